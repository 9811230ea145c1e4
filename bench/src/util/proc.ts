import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// CPU time and resident memory of processes, read from /proc (Linux).

function getconf(name: string, fallback: number): number {
  try {
    const value = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

const CLOCK_TICKS = getconf('CLK_TCK', 100);
const PAGE_SIZE = getconf('PAGESIZE', 4096);

interface ProcSample {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  at: number;
}

function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, rss (pages) 24.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    return {
      cpuSeconds: (utime + stime) / CLOCK_TICKS,
      rssBytes: rssPages * PAGE_SIZE,
      at: performance.now(),
    };
  } catch {
    return undefined;
  }
}

export interface ProcUsage {
  /** Average CPU over the window, in % of one core. */
  cpuPct: number;
  /** CPU seconds used in the window. */
  cpuSeconds: number;
  /** RSS at the end of the window, MiB. */
  rssMiB: number;
  /** Highest RSS seen while the window was open, MiB. */
  peakRssMiB: number;
}

interface Window {
  start: Map<number, ProcSample>;
  peak: Map<number, number>;
  machine: MachineSample | undefined;
}

interface MachineSample {
  /** CPU seconds spent busy by all cores (everything but idle and iowait). */
  busySeconds: number;
  at: number;
}

function readMachine(): MachineSample | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busySeconds: (total - idle) / CLOCK_TICKS, at: performance.now() };
  } catch {
    return undefined;
  }
}

const MiB = 1024 * 1024;

/**
 * Samples a set of processes every `intervalMs` for peak RSS, and measures CPU over explicit windows
 * (exact: the difference of two /proc readings).
 */
export class ProcWatcher {
  private readonly pids = new Map<string, number>();
  private readonly windows = new Set<Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 200) {}

  watch(name: string, pid: number | undefined): void {
    if (pid !== undefined) this.pids.set(name, pid);
  }

  private sampleAll(): Map<number, ProcSample> {
    const samples = new Map<number, ProcSample>();
    for (const pid of this.pids.values()) {
      const sample = readProc(pid);
      if (sample) samples.set(pid, sample);
    }
    return samples;
  }

  private tick = () => {
    if (this.windows.size === 0) return;
    const samples = this.sampleAll();
    for (const window of this.windows) {
      for (const [pid, sample] of samples) {
        window.peak.set(pid, Math.max(window.peak.get(pid) ?? 0, sample.rssBytes));
      }
    }
  };

  /** Opens a window; call the returned function to close it and get each process's usage. */
  begin(): () => Record<string, ProcUsage> {
    const start = this.sampleAll();
    const window: Window = {
      start,
      peak: new Map([...start].map(([pid, s]) => [pid, s.rssBytes])),
      machine: readMachine(),
    };
    this.windows.add(window);
    this.timer ??= setInterval(this.tick, this.intervalMs);
    this.timer.unref();
    return () => {
      this.tick();
      this.windows.delete(window);
      if (this.windows.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
      const end = this.sampleAll();
      const usage: Record<string, ProcUsage> = {};
      let trackedCpuPct = 0;
      for (const [name, pid] of this.pids) {
        const a = window.start.get(pid);
        const b = end.get(pid);
        if (!a || !b) continue;
        const wallSeconds = (b.at - a.at) / 1000;
        usage[name] = {
          cpuPct: wallSeconds > 0 ? Math.round(((b.cpuSeconds - a.cpuSeconds) / wallSeconds) * 1000) / 10 : 0,
          cpuSeconds: Math.round((b.cpuSeconds - a.cpuSeconds) * 1000) / 1000,
          rssMiB: Math.round((b.rssBytes / MiB) * 10) / 10,
          peakRssMiB: Math.round(((window.peak.get(pid) ?? b.rssBytes) / MiB) * 10) / 10,
        };
        trackedCpuPct += usage[name]?.cpuPct ?? 0;
      }
      // Everything else the machine did meanwhile (other users' tests, the harness itself), so that a
      // reader can tell a quiet run from a contended one.
      const machineEnd = readMachine();
      if (window.machine && machineEnd && machineEnd.at > window.machine.at) {
        const busyPct =
          ((machineEnd.busySeconds - window.machine.busySeconds) /
            ((machineEnd.at - window.machine.at) / 1000)) *
          100;
        usage.others = {
          cpuPct: Math.max(0, Math.round((busyPct - trackedCpuPct) * 10) / 10),
          cpuSeconds: 0,
          rssMiB: 0,
          peakRssMiB: 0,
        };
      }
      return usage;
    };
  }

  rssBytes(name: string): number {
    const pid = this.pids.get(name);
    return pid === undefined ? Number.NaN : (readProc(pid)?.rssBytes ?? Number.NaN);
  }
}
