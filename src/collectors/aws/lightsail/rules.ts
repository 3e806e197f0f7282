// What is volatile, and what is unordered, in Lightsail's answers: declared as data (see
// src/normalize/rules.ts) and tested in test/unit/lightsail.test.ts with must-appear and
// must-not-appear checks. Everything not named here is kept as Lightsail returns it.
import type { NormalizationRules } from '../../../normalize/rules.js';

/** Sets Lightsail returns in no fixed order, wherever they appear. */
const UNORDERED: NonNullable<NormalizationRules['sortBy']> = {
  '**.tags': 'key',
  '**.cidrs': null,
  '**.ipv6Cidrs': null,
  '**.cidrListAliases': null,
};

export const INSTANCE_RULES: NormalizationRules = {
  drop: [
    // The state name (running, stopped, …) is kept; its numeric code carries internal bits in
    // its high byte that AWS documents as "to be ignored".
    'state.code',
    // Disk usage, deprecated by AWS and moving with every write to the disk.
    '**.gbInUse',
    // Health checks (only present with includeHealthStatus) change by the minute.
    'instanceStatus',
    'systemStatus',
    // The automatic-snapshot add-on's next run is derived from its schedule (kept) and the clock.
    'addOns[].nextSnapshotTimeOfDay',
  ],
  sortBy: {
    ...UNORDERED,
    ipv6Addresses: null,
    addOns: 'name',
    'hardware.disks': 'name',
    'networking.ports': ['fromPort', 'toPort', 'protocol', 'accessDirection'],
    portStates: ['fromPort', 'toPort', 'protocol'],
  },
};

export const SNAPSHOT_RULES: NormalizationRules = {
  drop: [
    // "42%" while a snapshot is being made: moves on every read; the state says pending.
    'progress',
    '**.gbInUse',
  ],
  sortBy: { ...UNORDERED, fromAttachedDisks: 'name' },
};

/** The record of the snapshots one version requested (written only in that version). */
export const REQUESTED_RULES: NormalizationRules = {
  sortBy: { snapshots: ['region', 'instanceName'] },
};
