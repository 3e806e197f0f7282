// DNS names as resources are linked by them (a record pointing at a distribution's name):
// compared in lower case, without the trailing dot of an absolute name.
export function dnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
