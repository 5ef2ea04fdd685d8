/**
 * Whose code each vCPU is in, from QEMU's `info registers -a` and the images bootlog loaded:
 * arm64 by exception level (EL2 Xen, EL1 a kernel, EL0 user space, EL3 firmware), x86_64 by
 * Xen's code segment (0xe008, text at 0xffff82d0...) and the privilege level (a PV dom0
 * kernel runs at CPL 3 with CS 0xe033), and on both by the physical ranges bootlog loaded
 * images at (code running from its load address has no MMU on yet).
 */

export interface LoadRange {
  /** "Xen", "the dom0 kernel", "U-Boot", ... */
  image: string;
  start: number;
  end: number;
}

export interface VcpuContext {
  arch: "aarch64" | "arm" | "x86_64";
  xen: boolean;
  /** The firmware bootlog started (U-Boot, a user image), if any. */
  firmware?: string;
  loads: LoadRange[];
}

export interface VcpuState {
  index: number;
  /** "EL1", "EL2"... on arm64; "CPL0", "CPL3" on x86_64. */
  level: string;
  pc: string;
  halted?: boolean;
  /** Whose code: "Xen", "the dom0 kernel", "user space", "U-Boot"... */
  owner: string;
  /** `vCPU0: EL1, in the dom0 kernel (PC ffff800008a1b2c4)` */
  text: string;
}

const hex = (value: string) =>
  Number.parseInt(value.slice(-13), 16) + (value.length > 13 ? Number.parseInt(value.slice(0, -13), 16) * 2 ** 52 : 0);

function loadedImage(pc: string, ctx: VcpuContext): string | undefined {
  if (pc.length > 12 && !/^0+/.test(pc.slice(0, pc.length - 12))) return undefined;
  const address = hex(pc);
  return ctx.loads.find((l) => address >= l.start && address < l.end)?.image;
}

function arm64Owner(el: number, pc: string, ctx: VcpuContext): string {
  const loaded = loadedImage(pc, ctx);
  if (loaded) return `${loaded} (at its load address, MMU off)`;
  const kernel = ctx.xen ? "the dom0 kernel" : "the kernel";
  if (el === 3) return ctx.firmware ?? "firmware (EL3)";
  if (el === 2) return ctx.xen ? "Xen" : (ctx.firmware ?? "a hypervisor or firmware (EL2)");
  if (/^0+$/.test(pc)) return "nothing yet (PC 0: never started, or powered off)";
  // A 64-bit kernel runs at ffff..., a 32-bit one above the 3 GiB user split.
  const kernelAddress = pc.startsWith("ffff") || (pc.length === 8 && pc >= "c0000000");
  if (el === 1) return kernelAddress ? kernel : (ctx.firmware ?? "code outside any loaded image");
  return ctx.xen ? "dom0 user space" : "user space";
}

/** arm32 has modes, not ELs: hyp is EL2 (Xen), mon EL3, usr EL0, the rest (svc, irq...) EL1. */
function arm32Level(body: string): string | undefined {
  const mode = /^PSR=[0-9a-f]+ .* (usr|fiq|irq|svc|mon|abt|hyp|und|sys)32$/m.exec(body)?.[1];
  if (!mode) return undefined;
  return mode === "hyp" ? "2" : mode === "mon" ? "3" : mode === "usr" ? "0" : "1";
}

function x86Owner(cpl: number, cs: string, rip: string, ctx: VcpuContext): string {
  if (cs === "e008" || rip.startsWith("ffff82d0")) return "Xen";
  const loaded = loadedImage(rip, ctx);
  if (loaded) return `${loaded} (at its load address)`;
  const high = rip.startsWith("ffff");
  if (ctx.xen && cpl === 3) return high ? "the dom0 kernel (PV, ring 3)" : "dom0 user space";
  if (cpl === 3) return "user space";
  if (high) return ctx.xen ? "the dom0 kernel" : "the kernel";
  return hex(rip) < 0x100000 ? "firmware (SeaBIOS, below 1 MiB)" : "code outside any loaded image";
}

/** One entry per `CPU#n` section of `info registers -a`. */
export function parseVcpus(registers: string, ctx: VcpuContext): VcpuState[] {
  const sections = registers.split(/^\s*CPU#(\d+)\s*$/m);
  const states: VcpuState[] = [];
  for (let i = 1; i + 1 < sections.length; i += 2) {
    const index = Number(sections[i]);
    const body = sections[i + 1]!;
    if (ctx.arch !== "x86_64") {
      const pc = ctx.arch === "arm" ? /\bR15=([0-9a-f]+)/.exec(body)?.[1] : /\bPC=([0-9a-f]+)/.exec(body)?.[1];
      const el = ctx.arch === "arm" ? arm32Level(body) : /PSTATE=[0-9a-f]+ \S+ EL(\d)/.exec(body)?.[1];
      if (!pc || el === undefined) continue;
      const owner = arm64Owner(Number(el), pc, ctx);
      states.push({ index, level: `EL${el}`, pc, owner, text: `vCPU${index}: EL${el}, in ${owner} (PC ${pc})` });
    } else {
      const rip = /\bRIP=([0-9a-f]+)/.exec(body)?.[1];
      const cpl = /\bCPL=(\d)/.exec(body)?.[1];
      const cs = /^CS =([0-9a-f]{4})/m.exec(body)?.[1];
      if (!rip || cpl === undefined || !cs) continue;
      const halted = /\bHLT=1\b/.test(body);
      const owner = x86Owner(Number(cpl), cs, rip, ctx);
      states.push({
        index,
        level: `CPL${cpl}`,
        pc: rip,
        halted,
        owner,
        text: `vCPU${index}: CPL${cpl}${halted ? " halted" : ""}, in ${owner} (RIP ${rip})`,
      });
    }
  }
  return states;
}
