// Runs a command and measures it: wall time, peak RSS of its whole process tree (summed over
// every descendant) and the tree's CPU time (user + system, the last value seen of each
// process), by polling /proc every 20 ms (Linux). CPU time separates a tool's own cost from
// time spent waiting for the server, which shares the machine's cores.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const TICKS = 100; // USER_HZ on Linux

/** user+system CPU seconds of a process so far, or 0 when it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function descendants(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) out.push(Number(c));
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

export function measure(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    let peak = 0;
    const cpu = new Map(); // pid → last CPU seconds seen (a child's time is counted while it lives)
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-20000)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20000)));
    const timer = setInterval(() => {
      const pids = descendants(child.pid);
      const total = pids.reduce((n, p) => n + rssKiB(p), 0);
      if (total > peak) peak = total;
      for (const p of pids) {
        const c = cpuSeconds(p);
        if (c > (cpu.get(p) ?? 0)) cpu.set(p, c);
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 && !options.allowFailure) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
      const cpuS = [...cpu.values()].reduce((a, b) => a + b, 0);
      resolve({ code, wallMs, peakRssMiB: peak / 1024, cpuS, stdout, stderr });
    });
  });
}

/**
 * Prints each measured command's peak RSS above `base`'s (the process alone, reading the same
 * archive) and whether it stays under `limitMiB`; returns true when every one does.
 */
export function rssGrowthWithin(results, base, limitMiB) {
  let all = true;
  for (const [label, m] of results) {
    const growth = m.peakRssMiB - base.peakRssMiB;
    const ok = growth < limitMiB;
    console.log(`${label.padEnd(40)} peak RSS ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MiB over snap ls: ${ok ? 'ok' : `OVER ${limitMiB} MiB`}`);
    if (!ok) all = false;
  }
  return all;
}
