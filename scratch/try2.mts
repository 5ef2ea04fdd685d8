import { scanRam } from "../harness/postmortem/ram-scan.ts";
import { XenRingPass } from "../harness/postmortem/xen-ring.ts";
import { PrintkPass } from "../harness/postmortem/printk-ring.ts";
const xen = new XenRingPass(), pk = new PrintkPass();
await scanRam(process.argv[2], [xen, pk], performance.now() + 30000);
const x = xen.result()!;
console.log(x.lines.join("\n"));
const p = pk.result()!;
for (const r of p.records) console.log(r.id.toString(16), r.time, JSON.stringify(r.text).slice(0, 100));
