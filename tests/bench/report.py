#!/usr/bin/env python3
"""Turns the suite's in-L1 output (BENCH-SAMPLE lines of tests/bench/cases/suite_l1.sh) into
results.json (every sample, plus the summary), results.md (the tables and the targets) and
boot-times.dat for the boot-time plot. Nothing here is a measurement of its own: every
figure is computed from the samples, and a figure without samples says "n/a".

    report.py L1_OUTPUT RESULTS_DIR [KEY=VALUE ...]   (KEY=VALUE: run facts for the header)
"""
import json
import math
import statistics
import sys
from pathlib import Path

KIB_PER_MIB = 1024
MIB = 1024 * 1024
SECTIONS = "boot breakdown start memory exec density share net restore"
NET_CONTENDERS = ["ours", "ours-vhost", "qemu", "qemu-vhost", "crun"]
FS_CONTENDERS = ["ours", "ours-cold", "ours-nosec", "ours-ctr", "ours-ctr-bg", "ours-vmm", "ours-vmm-cg", "ours-vmm-of",
                 "qemu", "qemu-cg", "qemu-bg", "crun"]
NET_KEYS = ["up_mbit_s", "down_mbit_s", "ping_avg_ms", "http_ms_per_request"]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0, unit=""):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}{unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def number(v):
    """v if it is a number (a sample's field left empty is a string), else None."""
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def mib(kib):
    return kib / KIB_PER_MIB if kib is not None else None


def per_second(amount, ms):
    """amount per second over ms; None when ms is missing or 0 (under the clock's 10 ms step)."""
    return amount / (ms / 1000) if amount is not None and ms else None


def sign_test(wins, n):
    """Two-sided exact sign test: the chance of a split at least this uneven between two
    contenders that are alike (each run a fair coin)."""
    if n == 0:
        return None
    tail = sum(math.comb(n, i) for i in range(min(wins, n - wins) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def paired(mine_rows, other_rows, key):
    """Per-run ratios of key between two contenders that ran one after the other in each run:
    the median ratio, how many runs mine was ahead in, of how many (ties left out), and the
    sign test's p. Pairing by run takes out the drift of L1's speed between runs, the bulk of
    the spread of either contender alone."""
    other = {r.get("run"): r.get(key) for r in other_rows}
    ratios = [ratio(r.get(key), other.get(r.get("run"))) for r in mine_rows]
    ratios = [x for x in ratios if x is not None]
    decided = [x for x in ratios if x != 1]
    wins = sum(1 for x in decided if x > 1)
    return {"runs": len(ratios), "median": median(ratios), "min": min(ratios, default=None),
            "max": max(ratios, default=None), "ahead": wins, "decided": len(decided),
            "p": sign_test(wins, len(decided))}


FS_LABELS = {"write_mib_s": "write", "read_mib_s": "read", "cycle_files_s": "small files"}


def paired_text(pr, mine="ours"):
    """paired()'s figures as the report says them."""
    return (f"{fmt(pr['median'], 2)} ({fmt(pr['min'], 2)}-{fmt(pr['max'], 2)}), {mine} ahead in {pr['ahead']} of "
            f"{pr['decided']}, p = {fmt(pr['p'], 2)}")


def net_section(samples, facts, md):
    """The network section's table and ratios; returns the medians per contender."""
    setup = next((x for x in samples if x.get("kind") == "net_setup"), {})
    md.append("## Network (issue 15)\n")
    if "error" in setup:
        md.append(f"Not measured: {setup['error']}\n")
    md.append(f"A server on podman's default network ({setup.get('network', '?').strip()}), measured from L1: iperf3 "
              f"(`{setup.get('iperf3', '?')}`) for {facts.get('NET_SECONDS', '?')} s each way (up: L1 to the server), "
              f"busybox ping's average, and {facts.get('NET_REQUESTS', '?')} sequential busybox wget requests for a 1 KiB page "
              "(a new L1 process and connection each). ours and crun: `podman run` of a test image (busybox, iperf3); "
              "`ours-vhost`: ours with the host setting `vhost_net` (the kernel's vhost-net moves the frames); "
              "QEMU: pSeries, KVM, kernel "
              f"`{setup.get('qemu_kernel', '?')}`, virtio-net-pci on a tap in a crun container's namespace joined to its eth0 "
              "by a tc redirect each way as the shim does it, vhost off (`qemu`) and on (`qemu-vhost`, where L1 has "
              f"/dev/vhost-net: {setup.get('vhost_net', '?')}); guests {setup.get('guest_mib', '?')} MiB, 1 vCPU. "
              "Medians of per-run figures.\n")
    md.append("| contender | ok runs | failed | up Mbit/s | down Mbit/s | ping ms | HTTP ms/request | first failure |")
    md.append("|---|---|---|---|---|---|---|---|")
    net_med = {}
    for c in NET_CONTENDERS:
        rows = [s for s in samples if s.get("kind") == "net" and s.get("contender") == c]
        if not rows:
            continue
        ok = [r for r in rows if r.get("rc", 0) == 0 and "error" not in r]
        bad = [r for r in rows if r not in ok]
        net_med[c] = {k: median([r.get(k) for r in ok]) for k in NET_KEYS}
        err = f"{bad[0].get('error', '')[:300]}" if bad else ""
        md.append(f"| {c} | {len(ok)} | {len(bad)} | " + " | ".join(
            fmt(net_med[c][k], 0 if k.endswith("mbit_s") else 2) for k in NET_KEYS) + f" | {err.replace('|', '/')} |")

    def r(key, a, b):
        return ratio(net_med.get(a, {}).get(key), net_med.get(b, {}).get(key))
    md.append(f"\nours / QEMU: up {fmt(r('up_mbit_s', 'ours', 'qemu'), 2)}, down {fmt(r('down_mbit_s', 'ours', 'qemu'), 2)}; "
              f"QEMU with vhost-net / without: up {fmt(r('up_mbit_s', 'qemu-vhost', 'qemu'), 2)}, down "
              f"{fmt(r('down_mbit_s', 'qemu-vhost', 'qemu'), 2)}; ours / crun round trips: ping "
              f"{fmt(r('ping_avg_ms', 'ours', 'crun'), 2)}, HTTP {fmt(r('http_ms_per_request', 'ours', 'crun'), 2)}.\n")
    md.append(f"With vhost-net on both sides, ours / QEMU: up {fmt(r('up_mbit_s', 'ours-vhost', 'qemu-vhost'), 2)}, down "
              f"{fmt(r('down_mbit_s', 'ours-vhost', 'qemu-vhost'), 2)}; ours with vhost-net / without: up "
              f"{fmt(r('up_mbit_s', 'ours-vhost', 'ours'), 2)}, down {fmt(r('down_mbit_s', 'ours-vhost', 'ours'), 2)}; "
              f"ours with vhost-net / crun round trips: ping {fmt(r('ping_avg_ms', 'ours-vhost', 'crun'), 2)}, HTTP "
              f"{fmt(r('http_ms_per_request', 'ours-vhost', 'crun'), 2)}.\n")
    return net_med


RESTORE_START = [("shim-run-cold", "`ppc-kvm-shim run`, cold (\"templates\": 0)"),
                 ("shim-run-restored", "`ppc-kvm-shim run`, restored"),
                 ("crun-run", "`crun run`"),
                 ("podman-ours-cold", "`podman --runtime ppc-kvm-shim run --rm`, cold"),
                 ("podman-ours-restored", "`podman --runtime ppc-kvm-shim run --rm`, restored"),
                 ("podman-crun", "`podman --runtime crun run --rm`")]


def restore_section(samples, facts, md):
    """Issue 19: the shim's runs cold vs restored vs crun, the memory of many guests each way, and
    the VMM alone; returns the medians and the ratios the targets read."""
    out = {"start_ms": {}, "memory": {}, "vmm": {}, "ratios": {}}
    md.append("## Restored from a template (issue 19)\n")
    # ---- ppc-kvm-shim run and podman run --rm ----
    md.append("### Container start, cold vs restored\n")
    md.append("`echo hi` in the start section's busybox bundle (`ppc-kvm-shim run`, `crun run`) and in the local busybox "
              "image (`podman run --rm --network=none`), wall time of the command. Ours runs with the suite's host "
              "settings plus `\"templates\": 0` (cold: every create boots) or `\"templates\": "
              f"8` (restored), store `{facts.get('RESTORE_TEMPLATE_DIR', '?')}`; each run of ours is checked against its "
              "VMM's log (the machine line says `restored from` or `kernel`): one that is not what it claims is a failed "
              f"run. Interleaved, {facts.get('RESTORE_RUNS', '?')} runs each after a run 0 kept apart (ours restored makes "
              "its template there; podman's first use of its storage); medians.\n")
    md.append("| contender | ok runs | failed | median ms | min | max | restore's RAM copy ms | first failure |")
    md.append("|---|---|---|---|---|---|---|---|")
    start = out["start_ms"]
    for c, label in RESTORE_START:
        rows = [r for r in samples if r.get("kind") == "restore_start" and r.get("contender") == c and r.get("run", 1) >= 1]
        if not rows:
            continue
        ok = [r for r in rows if r.get("rc", 0) == 0 and r.get("ok") == 1]
        bad = [r for r in rows if r not in ok]
        vals = [r["ms"] for r in ok if r.get("ms") is not None]
        start[c] = median(vals)
        err = f"rc {bad[0].get('rc', '?')}: {bad[0].get('error', '')[:300]}" if bad else ""
        md.append(f"| {label} | {len(ok)} | {len(bad)} | {fmt(start[c])} | {fmt(min(vals) if vals else None)} | "
                  f"{fmt(max(vals) if vals else None)} | {fmt(median([r.get('ram_copy_ms') for r in ok]))} | "
                  f"{err.replace('|', '/')} |")
    def meant(r):  # the guest a run of ours was meant to have (run 0 restored: either, it makes the template)
        c = r.get("contender", "")
        if not c.startswith(("shim-run-", "podman-ours-")) or (r.get("run") == 0 and c.endswith("restored")):
            return None
        return c.rsplit("-", 1)[1]
    wrong = [r for r in samples if r.get("kind") == "restore_start" and meant(r)
             and r.get("guest") in ("cold", "restored") and r.get("guest") != meant(r)]
    if wrong:
        md.append(f"\n**{len(wrong)} run(s) of ours booted another way than meant** (failed, not in the medians): " +
                  "; ".join(f"{r.get('contender')} run {r.get('run')}: vmm.log says {r.get('guest')}" for r in wrong[:6]))
    first = [r for r in samples if r.get("kind") == "restore_start" and r.get("run") == 0]
    if first:
        md.append("\nRun 0 of each (not in the medians): " +
                  "; ".join(f"{r['contender']} {fmt(r.get('ms'))} ms (rc {r.get('rc')}"
                            + (f", {r['guest']}" if r.get("guest") else "") + ")" for r in first))
    tpl = [x for x in samples if x.get("kind") == "restore_shim_template"]
    if tpl:
        md.append("\nThe shim's templates: " + "; ".join(
            f"shape {x.get('shape')}: made by a run of {fmt(x.get('warmup_ms'))} ms"
            + (f" (failed: {x['error'][:160]})" if "error" in x else "")
            + f", {x.get('templates', '?')} in the store, {fmt(mib(number(x.get('store_kib'))), 1)} MiB on disk"
            + (f" ({x['note']})" if "note" in x else "") for x in tpl))

    def r(a, b):
        return ratio(start.get(a), start.get(b))
    ratios = out["ratios"]
    ratios.update({"shim_restored_crun": r("shim-run-restored", "crun-run"), "shim_cold_crun": r("shim-run-cold", "crun-run"),
                   "shim_restored_cold": r("shim-run-restored", "shim-run-cold"),
                   "podman_restored_crun": r("podman-ours-restored", "podman-crun"),
                   "podman_cold_crun": r("podman-ours-cold", "podman-crun"),
                   "podman_restored_cold": r("podman-ours-restored", "podman-ours-cold")})
    md.append(f"\n`ppc-kvm-shim run` / `crun run`: restored **{fmt(ratios['shim_restored_crun'], 2)}** (target <= 2), "
              f"cold {fmt(ratios['shim_cold_crun'], 2)}; restored / cold {fmt(ratios['shim_restored_cold'], 2)}.  ")
    md.append(f"`podman run --rm`, ours / crun: restored **{fmt(ratios['podman_restored_crun'], 2)}** (target <= 1.2), "
              f"cold {fmt(ratios['podman_cold_crun'], 2)}; restored / cold {fmt(ratios['podman_restored_cold'], 2)}.\n")

    # ---- memory of many guests ----
    mem_rows = [x for x in samples if x.get("kind") == "restore_memory"]
    if mem_rows:
        md.append(f"### Memory of {facts.get('RESTORE_GUESTS', '?')} idle guests, cold vs restored\n")
        md.append(f"`ppc-kvm-shim run --detach` of `sleep` ({facts.get('RESTORE_MEM_MIB', '?')} MiB by annotation, 1 vCPU), "
                  "one after the other, each checked cold or restored by its vmm.log; 5 s later: the drop of L1's "
                  "MemAvailable since before the first (after dropping caches: the host's view, with KVM's and the "
                  "kernel's own memory; page cache counts as available) and the sum of the PSS of every process of "
                  "theirs (jail supervisor, VMM, virtiofsd: `/proc/PID/smaps_rollup`; shared pages counted once in all, "
                  "kernel memory not at all). Cold first, then restored (its template made before, not counted). One "
                  f"round each, in an L1 of {facts.get('L1 memory', '?')}.\n")
        md.append("| guests booted | started | guest MiB | MemAvailable drop per guest, MiB | PSS per guest, MiB | Shmem per guest, MiB | "
                  "processes | median start ms | failure |")
        md.append("|---|---|---|---|---|---|---|---|---|")
        for c in ["cold", "restored"]:
            rows = [x for x in mem_rows if x.get("contender") == c]
            if not rows:
                continue
            x = rows[-1]
            n = x.get("guests") or 0
            good = x.get("ok") == 1 and "error" not in x and n > 0
            per = {k: (x[k] / n / KIB_PER_MIB if good and number(x.get(k)) is not None else None)
                   for k in ["avail_drop_kib", "pss_kib", "shmem_delta_kib"]}
            out["memory"][c] = {"guests": n, "avail_drop_mib_per_guest": per["avail_drop_kib"],
                                "pss_mib_per_guest": per["pss_kib"], "shmem_mib_per_guest": per["shmem_delta_kib"]}
            failure = x.get("error", "")[:300]
            if not good and n and number(x.get("avail_drop_kib")) is not None:  # what it saw, kept out of the figures
                failure += (f" (the {n} started: MemAvailable drop {fmt(mib(x['avail_drop_kib']))} MiB, PSS "
                            f"{fmt(mib(number(x.get('pss_kib'))))} MiB in all; not counted)")
            md.append(f"| {c} | {n} of {x.get('wanted', '?')} | {x.get('guest_mib', '?')} | {fmt(per['avail_drop_kib'], 1)} | "
                      f"{fmt(per['pss_kib'], 1)} | {fmt(per['shmem_delta_kib'], 1)} | {x.get('processes', '?')} | "
                      f"{fmt(number(x.get('start_median_ms')))} | {failure.replace('|', '/')} |")

        def m(key):
            return ratio(out["memory"].get("restored", {}).get(key), out["memory"].get("cold", {}).get(key))
        ratios["memory_avail_restored_cold"] = m("avail_drop_mib_per_guest")
        ratios["memory_pss_restored_cold"] = m("pss_mib_per_guest")
        md.append(f"\nrestored / cold per guest: MemAvailable drop **{fmt(ratios['memory_avail_restored_cold'], 2)}**, "
                  f"PSS **{fmt(ratios['memory_pss_restored_cold'], 2)}** (restored must not cost more: <= 1). A failed "
                  "phase (fewer guests, one not what it claims) gives no figure.\n")

    # ---- the VMM alone ----
    md.append("### The VMM alone\n")
    md.append("The VMM in container mode as the shim runs it (agent-only initramfs, the root in the VM's share, "
              "virtio-fs and vsock, 256 MiB, 1 vCPU, `echo hi`), without the shim: from the fork until the agent "
              "created the container (the ready line, what `create` waits for), and until the output came and the guest "
              f"powered off after the start. {facts.get('RESTORE_RUNS', '?')} runs each, interleaved; medians.\n")
    tpl = next((x for x in samples if x.get("kind") == "restore_template"), {})
    if "error" in tpl:
        md.append(f"No template: {tpl['error']}\n")
        return out
    if not tpl:
        md.append("Not measured.\n")
        return out
    md.append(f"Template made once (`--save-when-ready`): {fmt(tpl.get('ms'))} ms, RAM file "
              f"{fmt(mib(tpl.get('ram_on_disk_kib')), 1)} MiB on disk.\n")
    md.append("| contender | ok runs | failed | ready ms | total ms | RAM copied, MiB | copy ms | virtiofsd set-up ms | first failure |")
    md.append("|---|---|---|---|---|---|---|---|---|")
    med = out["vmm"]
    for c in ["cold", "restored"]:
        rows = [s for s in samples if s.get("kind") == "restore" and s.get("contender") == c]
        if not rows:
            continue
        ok = [r for r in rows if r.get("rc", 0) == 0 and r.get("ok") == 1]
        bad = [r for r in rows if r not in ok]
        med[c] = {k: median([r.get(k) for r in ok])
                  for k in ["ready_ms", "total_ms", "ram_copied_mib", "ram_copy_ms", "virtiofsd_setup_ms"]}
        err = f"{bad[0].get('error', '')[:300]}" if bad else ""
        md.append(f"| {c} | {len(ok)} | {len(bad)} | {fmt(med[c]['ready_ms'])} | {fmt(med[c]['total_ms'])} | "
                  f"{fmt(med[c]['ram_copied_mib'])} | {fmt(med[c]['ram_copy_ms'])} | {fmt(med[c]['virtiofsd_setup_ms'])} | "
                  f"{err.replace('|', '/')} |")
    r_ready = ratio(med.get("restored", {}).get("ready_ms"), med.get("cold", {}).get("ready_ms"))
    r_total = ratio(med.get("restored", {}).get("total_ms"), med.get("cold", {}).get("total_ms"))
    md.append(f"\nrestored / cold: ready {fmt(r_ready, 2)}, total {fmt(r_total, 2)}.\n")
    return out


def main():
    out_file, results = Path(sys.argv[1]), Path(sys.argv[2])
    facts = dict(arg.split("=", 1) for arg in sys.argv[3:])
    samples, progress = [], []
    for line in out_file.read_text(errors="replace").splitlines():
        if line.startswith("BENCH-SAMPLE "):
            try:
                samples.append(json.loads(line[len("BENCH-SAMPLE "):]))
            except json.JSONDecodeError as e:
                samples.append({"kind": "unparsed", "line": line, "error": str(e)})
        elif line.startswith("BENCH-PROGRESS ") or line.startswith("FAIL: ") or line.startswith("RIG-RESULT"):
            progress.append(line)

    def of(kind, contender=None, ok_only=True):
        rows = [s for s in samples if s.get("kind") == kind and (contender is None or s.get("contender") == contender)]
        if ok_only:
            rows = [s for s in rows if s.get("rc", 0) == 0 and "error" not in s and s.get("ok", 1) == 1]
        return rows

    def med(kind, contender, key, ok_only=True, min_run=None):
        rows = of(kind, contender, ok_only)
        if min_run is not None:
            rows = [r for r in rows if r.get("run", 0) >= min_run]
        return median([r.get(key) for r in rows])

    sections = facts.get("sections", SECTIONS).split()

    def ran(section):
        return section in sections

    # Every section's figures, missing (None, empty) unless that section ran.
    boot, bd, cb, start, mem, dens = {}, {}, {}, {}, {}, {}
    r_same = setup_share = None
    up = down = rtt = p90 = ex_ours = ex_crun = None
    create_med, fs_med, fs_rows, fs_paired = {}, {}, {}, {}
    summary, md = {}, []
    md.append("# ppc-kvm-shim benchmark suite: results of one run\n")
    md.append("All contenders ran in one emulated POWER9 L1 (nested KVM-HV under QEMU TCG), interleaved run by run. "
              "Absolute times are tens of times slower than on POWER hardware: read the ratios.\n")
    if facts:
        md.append("Run: " + "; ".join(f"{k} {v}" for k, v in facts.items()) + "\n")
    config = next((s for s in samples if s.get("kind") == "config"), {})
    if "error" in config:
        md.append(f"**The suite stopped before the shim's sections:** {config['error']}\n")
    elif config:
        md.append(f"The shim's host settings: `{config.get('shim_config', '?')}`\n")
    irq = [s for s in samples if s.get("kind") == "qemu_irq"]
    used = next((s["mode"] for s in irq if s.get("works") == 1), None)
    md.append(f"QEMU interrupt controller: **{used or 'none worked'}** "
              "(`kernel-irqchip=on` makes QEMU fail when the in-kernel controller is unavailable, so a boot with it "
              "proves in-kernel). Probed modes: " +
              "; ".join(f"`{s['mode']}` " + ("boots" if s.get("works") else f"fails: {s.get('error', '').strip()}")
                        for s in irq) + "\n")

    # ---- boot ----
    contenders = ["ours-minimal", "ours-minimal-of", "qemu-minimal-of", "ours-stock", "qemu-stock"]
    if ran("boot"):
        md.append("## 1. Boot to userspace (fork to the /init marker on the console)\n")
        md.append("| contender | kernel | ok runs | failed | median ms | min | max | median to exit ms |")
        md.append("|---|---|---|---|---|---|---|---|")
        boot = {}
        for c in contenders:
            all_rows = of("boot", c, ok_only=False)
            if not all_rows:
                continue
            ok = [r for r in all_rows if "marker_ms" in r and r.get("rc") == 0]
            vals = [r["marker_ms"] for r in ok]
            boot[c] = median(vals)
            md.append(f"| {c} | {all_rows[0].get('kernel')} | {len(ok)} | {len(all_rows) - len(ok)} | {fmt(boot[c])} | "
                      f"{fmt(min(vals) if vals else None)} | {fmt(max(vals) if vals else None)} | "
                      f"{fmt(median([r.get('total_ms') for r in ok]))} |")
            failed = [r for r in all_rows if r not in ok]
            if failed:
                md.append(f"|  | first failure: rc {failed[0].get('rc')}, {failed[0].get('error', '')[:120]} | | | | | | |")
        md.append("")
        md.append("Kernels: `minimal` is the shipped guest kernel (build/ppc64le/share/guest-vmlinux); `minimal-of` is the same "
                  "configuration plus `CONFIG_PPC_OF_BOOT_TRAMPOLINE` (prom_init), which QEMU needs: its firmware (VOF or SLOF) "
                  "enters the kernel as an Open Firmware client, and the shipped kernel cannot boot that way. Our VMM enters "
                  "both directly (r5 = 0), so prom_init never runs under it. `stock` is Debian's ppc64el kernel. Same "
                  "initramfs, 512 MiB, 1 vCPU, `console=hvc0 panic=-1 quiet` for all.\n")
        r_same = ratio(boot.get("ours-minimal-of"), boot.get("qemu-minimal-of"))
        r_shipped = ratio(boot.get("ours-minimal"), boot.get("qemu-minimal-of"))
        r_stock = ratio(boot.get("ours-stock"), boot.get("qemu-stock"))
        md.append(f"Ratios of medians: ours/QEMU, same kernel (minimal-of): **{fmt(r_same, 2)}**; shipped minimal under ours vs "
                  f"minimal-of under QEMU: {fmt(r_shipped, 2)}; stock kernel: {fmt(r_stock, 2)}.\n")

    # ---- breakdown ----
    if ran("boot") or ran("breakdown"):
        md.append("## 2. Where our boot time goes\n")
        keys = [("exec_to_main_ms", "fork + exec + static start-up until main()"),
                ("main_to_machine_ms", "main(): arguments, sandbox start"),
                ("machine_to_first_run_ms", "machine: kernel load, VM, vCPU, devices, jail, seccomp, until KVM_RUN"),
                ("vmm_setup_ms", "= VMM set-up (fork until the first KVM_RUN)"),
                ("kernel_before_guest_clock_ms", "guest kernel before its clock starts (time_init)"),
                ("first_run_to_marker_ms", "guest kernel + busybox until the /init marker"),
                ("marker_ms", "= boot to userspace")]
        md.append("Marker boots (ours, minimal kernel), medians:\n")
        md.append("| phase | ms |")
        md.append("|---|---|")
        bd = {}
        for k, label in keys:
            bd[k] = med("boot", "ours-minimal", k)
            md.append(f"| {label} | {fmt(bd[k], 1)} |")
        shares = [r["vmm_setup_ms"] / r["marker_ms"] for r in of("boot", "ours-minimal") if r.get("vmm_setup_ms") and r.get("marker_ms")]
        setup_share = median(shares)
        md.append(f"\nVMM set-up share of boot to userspace (median of per-run shares): **{fmt(setup_share * 100 if setup_share is not None else None, 1, ' %')}**\n")
        e_ms = bd["kernel_before_guest_clock_ms"]  # from the boot runs: without them, no kernel/agent split
        rows = of("breakdown", "ours-shim")
        for r in rows:
            if (e_ms is not None and r.get("guest_printk_run_init_s") is not None
                    and r.get("first_run_to_ready_ms") is not None):
                r["kernel_to_init_ms"] = r["guest_printk_run_init_s"] * 1000 + e_ms
                r["agent_to_ready_ms"] = r["first_run_to_ready_ms"] - r["kernel_to_init_ms"]
        md.append(f"Container boots (`ppc-kvm-shim create` until the agent is ready, {len(rows)} ok of "
                  f"{len(of('breakdown', 'ours-shim', ok_only=False))}), medians:\n")
        md.append("| phase | ms |")
        md.append("|---|---|")
        cb = {}
        for k, label in [("shim_before_vmm_ms", "shim before the VMM's main() (state, initramfs, fork/exec)"),
                         ("vmm_setup_ms", "VMM main() until the first KVM_RUN"),
                         ("kernel_to_init_ms", "guest kernel until /init (printk time of \"Run /init\" + the pre-clock part above)"),
                         ("agent_to_ready_ms", "agent from /init until create returns"),
                         ("create_ms", "= create, total")]:
            cb[k] = median([r.get(k) for r in rows])
            md.append(f"| {label} | {fmt(cb[k], 1)} |")
        md.append("")
        ex = [r.get("exits", "") for r in of("boot", "ours-minimal")]
        if ex:
            md.append(f"VM exits of one minimal marker boot: `{ex[0]}`\n")

    # ---- start ----
    if ran("start"):
        md.append("## 3. Container start (`echo hi`, wall time of the command)\n")
        md.append("| contender | ok runs | failed | median ms | min | max | first failure |")
        md.append("|---|---|---|---|---|---|---|")
        start = {}
        for c in ["ours-shim-run", "crun-run", "podman-ours", "podman-crun"]:
            all_rows = [r for r in of("start", c, ok_only=False) if r.get("run", 1) >= 1]
            if not all_rows:
                continue
            ok = [r for r in all_rows if r.get("ok") == 1]
            vals = [r["ms"] for r in ok]
            start[c] = median(vals)
            bad = [r for r in all_rows if r.get("ok") != 1]
            err = (f"rc {bad[0].get('rc')}: {bad[0].get('error', '')[:200]}" if bad else "")
            md.append(f"| {c} | {len(ok)} | {len(bad)} | {fmt(start[c])} | {fmt(min(vals) if vals else None)} | "
                      f"{fmt(max(vals) if vals else None)} | {err.replace('|', '/')} |")
        warm = [r for r in samples if r.get("kind") == "start" and r.get("run") == 0]
        if warm:
            md.append("\nFirst podman run of each runtime (storage warm-up, not in the medians): " +
                      "; ".join(f"{r['contender']} {fmt(r.get('ms'))} ms (rc {r.get('rc')})" for r in warm))
        md.append(f"\nRatios: shim run / crun run {fmt(ratio(start.get('ours-shim-run'), start.get('crun-run')), 1)}; "
                  f"podman ours / podman crun {fmt(ratio(start.get('podman-ours'), start.get('podman-crun')), 1)}\n")

    # ---- memory ----
    if ran("memory"):
        md.append("## 4. Memory (idle guest, 512 MiB, 1 vCPU, 3 s after its marker; medians)\n")
        md.append("| contender | RSS outside guest RAM, KiB | PSS, KiB | guest RAM touched (RSS), KiB | of which THP, KiB | threads | note |")
        md.append("|---|---|---|---|---|---|---|")
        mem = {}
        for c in ["ours-minimal-of", "qemu-minimal-of", "ours-minimal", "ours-container"]:
            rows = of("memory", c)
            if not rows and not of("memory", c, ok_only=False):
                continue
            mem[c] = {k: median([r.get(k) for r in rows]) for k in
                      ["overhead_rss_kib", "overhead_pss_kib", "guest_ram_touched_kib", "guest_ram_thp_kib", "threads",
                       "supervisor_rss_kib", "vmm_rss_kib"]}
            failed = [r for r in of("memory", c, ok_only=False) if "error" in r]
            label = c + (f" (guest {rows[0].get('guest_mib')} MiB)" if rows and rows[0].get("guest_mib") else "")
            md.append(f"| {label} | {fmt(mem[c]['overhead_rss_kib'])} | {fmt(mem[c]['overhead_pss_kib'])} | "
                      f"{fmt(mem[c]['guest_ram_touched_kib'])} | {fmt(mem[c]['guest_ram_thp_kib'])} | {fmt(mem[c]['threads'])} | " +
                      (f"{len(failed)} failed: {failed[0]['error'][:160]}".replace("|", "/") if failed else "") + " |")
        if "ours-minimal-of" in mem:
            m = mem["ours-minimal-of"]
            top = next((r for r in of("memory", "ours-minimal-of")), {})
            l1 = next((x for x in samples if x.get("kind") == "l1"), {})
            md.append(f"\nL1's transparent huge pages: `{l1.get('transparent_hugepage', '?')}` (guest RAM RSS grows in 2 MiB steps "
                      "where THP backs it). Largest mappings outside guest RAM, supervisor: "
                      f"`{top.get('supervisor_top', '?')}`; VMM: `{top.get('vmm_top', '?')}`.\n")
            md.append(f"\nOurs = jail supervisor ({fmt(m['supervisor_rss_kib'])} KiB RSS) + VMM in the jail "
                      f"({fmt(m['vmm_rss_kib'])} KiB RSS); their RSS counts shared text pages twice, PSS once. "
                      "Kernel-side KVM memory is in neither column (see density).\n")

    # ---- density ----
    if ran("density"):
        md.append(f"## 5. Density (idle guests in an L1 of {facts.get('L1 memory', '?')})\n")
        md.append("| contender | guest MiB | started | stopped by | s | MemAvailable start → end, MiB | cost per guest, MiB | guests that fit |")
        md.append("|---|---|---|---|---|---|---|---|")
        dens = {}
        for r in [s for s in samples if s.get("kind") == "density"]:
            n = r.get("guests", 0)
            drop = r["mem_available_start_kib"] - r["mem_available_end_kib"]
            cost = drop / n if n else None
            measured = r.get("stopped_by") == "memory"
            fit = n if measured else (int((r["mem_available_start_kib"] - r["reserve_kib"]) / cost) if cost else None)
            dens[r["contender"]] = {"guests": n, "cost_mib": cost / KIB_PER_MIB if cost else None, "fit": fit,
                                    "stopped_by": r.get("stopped_by")}
            md.append(f"| {r['contender']} | {r.get('guest_mib')} | {n} ({r.get('alive')} alive at the end) | {r.get('stopped_by')} | "
                      f"{r.get('seconds')} | {fmt(r['mem_available_start_kib'] / KIB_PER_MIB)} → {fmt(r['mem_available_end_kib'] / KIB_PER_MIB)} | "
                      f"{fmt(cost / KIB_PER_MIB if cost else None, 1)} | "
                      f"{fmt(fit)} {'(measured)' if measured else '(extrapolated)'} |")
        md.append(f"\nThe run stops at MemAvailable < reserve ({facts.get('density reserve', '?')}), at the guest cap or at "
                  "the time bound. \"Fit\" is the count "
                  "started when the run stopped on memory (measured); otherwise (MemAvailable at the start − reserve) / cost "
                  "per guest (extrapolated). Cost per guest = MemAvailable drop / guests: VMM, guest RAM and L1 kernel memory.\n")

    # ---- vsock, exec ----
    if ran("exec"):
        md.append("## 6. vsock and exec\n")
        bulk = of("vsock", "ours")
        up = median([r.get("up_mb_s") for r in bulk if r.get("metric") == "bulk"])
        down = median([r.get("down_mb_s") for r in bulk if r.get("metric") == "bulk"])
        rtt = median([r.get("median_us") for r in bulk if r.get("metric") == "rtt"])
        p90 = median([r.get("p90_us") for r in bulk if r.get("metric") == "rtt"])
        md.append(f"vsock (64 MiB each way, both at once; 3 runs, median): host→guest {fmt(up, 1)} MB/s, guest→host "
                  f"{fmt(down, 1)} MB/s; 1-byte round trip median {fmt(rtt)} µs (p90 {fmt(p90)} µs, 1000 round trips).\n")
        ex_ours, ex_crun = med("exec", "ours-shim-exec", "ms"), med("exec", "crun-exec", "ms")
        exec_fail = [r for r in of("exec", None, ok_only=False) if r.get("ok") != 1]
        md.append(f"exec `echo hi` into a running container, median: ppc-kvm-shim exec {fmt(ex_ours)} ms, crun exec "
                  f"{fmt(ex_crun)} ms (ratio {fmt(ratio(ex_ours, ex_crun), 1)})" +
                  (f"; {len(exec_fail)} failed, first: {exec_fail[0].get('contender')} {exec_fail[0].get('error', '')[:160]}" if exec_fail else "") + "\n")

    # ---- shared file system ----
    if ran("share"):
        md.append("## 7. Shared file system (issue 14)\n")
        md.append("### Create latency vs image size\n")
        md.append("`podman init` is the OCI runtime's create (ours: the VM booted and its agent ready; the root is bound "
                  "into the VM's share, nothing of the image copied); podman's create, `start -a` (of `true`) and `rm` "
                  "beside it. busybox: 2.6 MB; big: busybox plus a 512 MiB file. Medians, ms.\n")
        md.append("| runtime | image | ok runs | failed | init (runtime create) | min | max | podman create | start -a | rm | "
                  "first failure |")
        md.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for c in ["ours", "crun"]:
            for image in ["busybox", "big"]:
                all_rows = [r for r in of("create", c, ok_only=False) if r.get("image") == image and r.get("run", 1) >= 1]
                if not all_rows:
                    continue
                ok = [r for r in all_rows if r.get("rc") == 0 and "error" not in r]
                bad = [r for r in all_rows if r not in ok]
                vals = [r["init_ms"] for r in ok]
                m = {k: median([r.get(k) for r in ok]) for k in ["init_ms", "podman_create_ms", "start_ms", "rm_ms"]}
                create_med.setdefault(c, {})[image] = m
                err = f"rc {bad[0].get('rc')}: {bad[0].get('error', '')[:200]}" if bad else ""
                md.append(f"| {c} | {image} | {len(ok)} | {len(bad)} | {fmt(m['init_ms'])} | {fmt(min(vals) if vals else None)} | "
                          f"{fmt(max(vals) if vals else None)} | {fmt(m['podman_create_ms'])} | {fmt(m['start_ms'])} | "
                          f"{fmt(m['rm_ms'])} | {err.replace('|', '/')} |")
        first = [r for r in samples if r.get("kind") == "create" and r.get("run") == 0]
        if first:
            md.append("\nFirst run of each (podman's and the page cache's warm-up, not in the medians), init ms: " +
                      "; ".join(f"{r['contender']} {r.get('image')} {fmt(r.get('init_ms'))} (rc {r.get('rc')})" for r in first))

        def init_of(c, image):
            return create_med.get(c, {}).get(image, {}).get("init_ms")
        md.append(f"\nbig / busybox, init medians: ours {fmt(ratio(init_of('ours', 'big'), init_of('ours', 'busybox')), 2)}, "
                  f"crun {fmt(ratio(init_of('crun', 'big'), init_of('crun', 'busybox')), 2)}; ours / crun: busybox "
                  f"{fmt(ratio(init_of('ours', 'busybox'), init_of('crun', 'busybox')), 1)}, big "
                  f"{fmt(ratio(init_of('ours', 'big'), init_of('crun', 'big')), 1)}\n")

        setup = next((x for x in samples if x.get("kind") == "fs_setup"), {})
        md.append("### In a volume\n")
        md.append(f"The same busybox script in each, timed on its own clock (/proc/uptime, 10 ms steps): dd of 256 MiB "
                  f"into a new file (`conv=fsync`), dd of a 256 MiB file L1 wrote (no guest had it cached), then {facts.get('FS_FILES', '?')} "
                  f"files created (`touch`), stat'd (`stat`) and unlinked (`rm`), one process per phase. Volume on L1's "
                  f"`{setup.get('volume_fs', '?')}`; ours: `podman --runtime ppc-kvm-shim run -v`, kernel "
                  f"`{setup.get('ours_kernel', '?')}` (virtio-mmio); QEMU: pSeries, KVM, kernel "
                  f"`{setup.get('qemu_kernel', '?')}` (the same configuration with prom_init and virtio-pci), "
                  f"`vhost-user-fs-pci`, memfd RAM; both {setup.get('guest_mib', '?')} MiB, 1 vCPU, the same daemon "
                  f"(`{setup.get('virtiofsd', '?')}`) with the same options; ours-vmm and ours-vmm-of: our VMM alone "
                  f"(no shim, podman or container) running QEMU's workload initramfs, with our kernel "
                  f"(`{setup.get('vmm_kernel', '?')}`) and with QEMU's; "
                  "qemu-cg: QEMU in a cgroup below podman's parent as the shim makes one for ours' VMM (memory.max "
                  "its RAM plus headroom) and its virtiofsd in the sibling `.virtiofsd`, as ours' are (qemu, ours-vmm "
                  "and ours-vmm-of run in L1's root cgroup, accounted nowhere); "
                  "ours-cold, ours-nosec, ours-ctr and ours-vmm-cg (only when FS_CONTENDERS asks): ours with the "
                  "shim's templates off (each guest booted cold), ours with `--security-opt seccomp=unconfined`, our "
                  "VMM's container mode alone (the agent, a container whose root and volume are in the VM's share, cold, no "
                  "shim, podman or conmon) and our VMM alone, both in cgroups as qemu-cg's; ours-ctr-bg and qemu-bg "
                  "(on request): ours-ctr and qemu-cg with an idle, attached `podman run` (crun) beside them, as podman "
                  "and conmon are beside ours' guest; "
                  "crun: no VM. No container memory limit for any (the memory.max of ours' and qemu-cg's VM "
                  "cgroups is their RAM plus headroom, above what they use). Read-ahead: ours' agent sets the share's to 4 MiB; QEMU's "
                  "workload initramfs (QEMU, ours-vmm, ours-vmm-of) keeps the kernel's 128 KiB, as a user of QEMU gets "
                  "it. Medians of per-run rates.\n")
        md.append("| contender | ok runs | failed | write MiB/s (fsync'd) | read MiB/s | create files/s | stat files/s | "
                  "unlink files/s | create+stat+unlink files/s | first failure |")
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for c in FS_CONTENDERS:
            all_rows = of("fs", c, ok_only=False)
            if not all_rows:
                continue
            ok = [r for r in all_rows if r.get("rc") == 0 and "error" not in r]
            bad = [r for r in all_rows if r not in ok]
            for r in ok:
                r["write_mib_s"] = per_second(r["bytes"] / MIB, r.get("write_ms"))
                r["read_mib_s"] = per_second(r["bytes"] / MIB, r.get("read_ms"))
                for phase in ["create", "stat", "unlink"]:
                    r[f"{phase}_files_s"] = per_second(r["files"], r.get(f"{phase}_ms"))
                cycle = [r.get(f"{phase}_ms") for phase in ["create", "stat", "unlink"]]
                r["cycle_files_s"] = per_second(r["files"], sum(cycle)) if None not in cycle else None
            keys = ["write_mib_s", "read_mib_s", "create_files_s", "stat_files_s", "unlink_files_s", "cycle_files_s"]
            fs_med[c] = {k: median([r.get(k) for r in ok]) for k in keys}
            fs_rows[c] = ok
            err = f"rc {bad[0].get('rc')}: {bad[0].get('error', '')[:300]}" if bad else ""
            md.append(f"| {c} | {len(ok)} | {len(bad)} | " + " | ".join(
                fmt(fs_med[c][k], 1 if k.endswith("mib_s") else 0) for k in keys) + f" | {err.replace('|', '/')} |")

        def fs_ratio(key, other, mine="ours"):
            return ratio(fs_med.get(mine, {}).get(key), fs_med.get(other, {}).get(key))

        def fs_ratios(mine, other, digits=2):
            return (f"write {fmt(fs_ratio('write_mib_s', other, mine), digits)}, read "
                    f"{fmt(fs_ratio('read_mib_s', other, mine), digits)}, small files "
                    f"{fmt(fs_ratio('cycle_files_s', other, mine), digits)}")
        md.append(f"\nours / QEMU: write {fmt(fs_ratio('write_mib_s', 'qemu'), 2)}, read {fmt(fs_ratio('read_mib_s', 'qemu'), 2)}, "
                  f"small files {fmt(fs_ratio('cycle_files_s', 'qemu'), 2)}; ours / crun: write "
                  f"{fmt(fs_ratio('write_mib_s', 'crun'), 3)}, read {fmt(fs_ratio('read_mib_s', 'crun'), 3)}, small files "
                  f"{fmt(fs_ratio('cycle_files_s', 'crun'), 4)}. A rate is missing (n/a) where a phase took less than the "
                  "clock's 10 ms step or failed.\n")
        # Ours against QEMU (the targets' peer) and against ours with a part taken away, run by run.
        for other, intro, keys in [
                ("qemu", "Ours / QEMU run by run (each run has both, one after the other)",
                 ["write_mib_s", "read_mib_s", "cycle_files_s"]),
                ("qemu-cg", "Ours / QEMU with QEMU and its virtiofsd in cgroups shaped like ours', run by run",
                 ["write_mib_s", "read_mib_s", "cycle_files_s"]),
                ("ours-ctr", "ours / our VMM's container mode alone (no shim, podman or conmon) in the same cgroups",
                 ["write_mib_s", "cycle_files_s"]),
                ("qemu-bg", "ours / QEMU in cgroups like ours' with an idle podman beside it (the engine's processes "
                 "beside both)", ["write_mib_s", "read_mib_s", "cycle_files_s"]),
                ("ours-ctr-bg", "ours / our VMM's container mode alone with an idle podman beside it (what is left: "
                 "the shim's path and podman's container configuration)", ["write_mib_s", "read_mib_s", "cycle_files_s"]),
                ("ours-vmm-cg", "ours / our VMM alone in the same cgroups", ["write_mib_s", "cycle_files_s"]),
                ("ours-cold", "Parts of ours, run by run (below 1: that part costs ours speed): ours / ours-cold",
                 ["write_mib_s", "cycle_files_s"]),
                ("ours-nosec", "ours / ours-nosec", ["write_mib_s", "cycle_files_s"])]:
            if "ours" not in fs_rows or other not in fs_rows:
                continue
            by_key = fs_paired[other] = {k: paired(fs_rows["ours"], fs_rows[other], k) for k in keys}
            md.append(f"{intro}: " + "; ".join(f"{FS_LABELS[k]} {paired_text(pr)}" for k, pr in by_key.items()) + ".\n")
        if "qemu" in fs_rows and "qemu-cg" in fs_rows:
            keys = ["write_mib_s", "read_mib_s", "cycle_files_s"]
            by_key = fs_paired["qemu-cg/qemu"] = {k: paired(fs_rows["qemu-cg"], fs_rows["qemu"], k) for k in keys}
            md.append("What the cgroups cost QEMU, run by run: qemu-cg / qemu: " + "; ".join(
                f"{FS_LABELS[k]} {paired_text(pr, 'qemu-cg')}" for k, pr in by_key.items()) + ".\n")
        for mine, other, what in [("ours-ctr-bg", "ours-ctr", "our VMM's container mode"), ("qemu-bg", "qemu-cg", "QEMU")]:
            if mine in fs_rows and other in fs_rows:
                keys = ["write_mib_s", "read_mib_s", "cycle_files_s"]
                by_key = fs_paired[f"{mine}/{other}"] = {k: paired(fs_rows[mine], fs_rows[other], k) for k in keys}
                md.append(f"What an idle engine beside it costs {what}, run by run: {mine} / {other}: " + "; ".join(
                    f"{FS_LABELS[k]} {paired_text(pr, mine)}" for k, pr in by_key.items()) + ".\n")
        if "ours-ctr" in fs_rows and "ours-vmm-cg" in fs_rows:
            keys = ["write_mib_s", "cycle_files_s"]
            by_key = fs_paired["ours-ctr/ours-vmm-cg"] = {k: paired(fs_rows["ours-ctr"], fs_rows["ours-vmm-cg"], k) for k in keys}
            md.append("The guest's container path and the VMM's container mode, run by run: ours-ctr / ours-vmm-cg: " +
                      "; ".join(f"{FS_LABELS[k]} {paired_text(pr, 'ours-ctr')}" for k, pr in by_key.items()) + ".\n")
        if "qemu" in fs_paired:
            md.append("p is the two-sided sign test's: the chance of a split at least this uneven if the two were "
                      "alike; above 0.05 the runs cannot tell them apart.\n")
        if "ours-vmm" in fs_med:
            md.append(f"Where a gap lies: our VMM alone with QEMU's kernel / QEMU (the VMM and transport): "
                      f"{fs_ratios('ours-vmm-of', 'qemu')}; our VMM alone, our kernel / QEMU's kernel (the kernel "
                      f"build): {fs_ratios('ours-vmm', 'ours-vmm-of')}; ours / our VMM alone (the container in the "
                      f"guest: its cgroup, seccomp filter and namespaces, the volume's bind, virtiofsd's own cgroup; and, for "
                      f"reads, the agent's 4 MiB read-ahead): "
                      f"{fs_ratios('ours', 'ours-vmm')}.\n")
        kvm_rows = {c: [r for r in rows if "kvm_sum_exits" in r] for c, rows in fs_rows.items()}
        kvm_rows = {c: rows for c, rows in kvm_rows.items() if rows}
        if kvm_rows:
            md.append("KVM's counters in L1 per run (medians of the runs with a VM; debugfs, read while its guest ran, the "
                      "last time up to a second before it ended). They do not drift with L1's speed as times do. "
                      "Instructions fetched: guest instructions KVM read from guest memory to emulate an access, "
                      "such as a queue notification that KVM's fast MMIO path cannot take (one whose ioeventfd "
                      "must match the value written, as at virtio-mmio's one QueueNotify register; ours' guests "
                      "notify each queue at an address of its own, kernel/patches/guest/0005, as virtio-pci "
                      "does, so a count near QEMU's or below says the kicks take the fast path).\n")
            md.append("| contender | runs | exits | hypervisor decrementer exits | external interrupt exits | "
                      "instructions fetched |")
            md.append("|---|---|---|---|---|---|")
            for c, rows in kvm_rows.items():
                md.append(f"| {c} | {len(rows)} | " + " | ".join(
                    fmt(median([r[f"kvm_{k}"] for r in rows]))
                    for k in ["sum_exits", "dec_exits", "ext_intr_exits", "ld"]) + " |")
            md.append("")

    net_med = net_section(samples, facts, md) if ran("net") else {}
    restore_med = restore_section(samples, facts, md) if ran("restore") else {}

    # ---- targets ----
    md.append("## Targets\n")
    md.append("| target | measured | met? |")
    md.append("|---|---|---|")

    def target(name, value, limit, text, at_least=False):
        met = None if value is None else (value >= limit if at_least else value <= limit)
        summary.setdefault("targets", {})[name] = {"value": value, "limit": limit, "met": met}
        md.append(f"| {name} | {text} | {'n/a' if met is None else ('**met**' if met else '**missed**')} |")

    if ran("boot"):
        target("boot <= 0.5x QEMU (same kernel)", r_same, 0.5,
               f"{fmt(boot.get('ours-minimal-of'))} ms vs {fmt(boot.get('qemu-minimal-of'))} ms = {fmt(r_same, 2)}x")
        target("VMM set-up <= 5 % of boot", setup_share, 0.05,
               f"{fmt(bd['vmm_setup_ms'], 1)} ms of {fmt(bd['marker_ms'])} ms = {fmt(setup_share * 100 if setup_share is not None else None, 1)} %")
    if ran("memory"):
        ov = mem.get("ours-minimal-of", {}).get("overhead_rss_kib")
        target("VMM overhead <= 3 MiB RSS", mib(ov), 3.0,
               f"{fmt(mib(ov), 2)} MiB RSS (VMM + supervisor; PSS "
               f"{fmt(mib(mem.get('ours-minimal-of', {}).get('overhead_pss_kib')), 2)} MiB); QEMU "
               f"{fmt(mib(mem.get('qemu-minimal-of', {}).get('overhead_rss_kib')), 1)} MiB")
    if ran("boot"):
        r_kernel = ratio(boot.get("ours-minimal"), boot.get("ours-stock"))
        kern_only = ratio(med("boot", "ours-minimal", "first_run_to_marker_ms"), med("boot", "ours-stock", "first_run_to_marker_ms"))
        target("minimal kernel boot <= 1/3 of stock (ours)", r_kernel, 1 / 3,
               f"{fmt(boot.get('ours-minimal'))} ms vs {fmt(boot.get('ours-stock'))} ms = {fmt(r_kernel, 2)} "
               f"(kernel part alone, first KVM_RUN to marker: {fmt(kern_only, 2)})")
    if ran("share"):
        big, small = (create_med.get("ours", {}).get(i, {}).get("init_ms") for i in ["big", "busybox"])
        target("create, 512 MiB image <= 1.2x busybox (ours)", ratio(big, small), 1.2,
               f"podman init {fmt(big)} ms vs {fmt(small)} ms = {fmt(ratio(big, small), 2)}x")
        for key, label, digits, unit in [("write_mib_s", "write", 1, "MiB/s"), ("read_mib_s", "read", 1, "MiB/s"),
                                         ("cycle_files_s", "small files", 0, "files/s")]:
            o, q = fs_med.get("ours", {}).get(key), fs_med.get("qemu", {}).get(key)
            target(f"volume {label} >= QEMU's (same virtiofsd)", ratio(o, q), 1.0,
                   f"{fmt(o, digits)} vs {fmt(q, digits)} {unit} = {fmt(ratio(o, q), 2)}x", at_least=True)
            # The same with QEMU accounted as ours is (its VM and daemon in cgroups like ours').
            qc = fs_med.get("qemu-cg", {}).get(key)
            if qc is not None:
                target(f"volume {label} >= QEMU's, both in cgroups alike (same virtiofsd)", ratio(o, qc), 1.0,
                       f"{fmt(o, digits)} vs {fmt(qc, digits)} {unit} = {fmt(ratio(o, qc), 2)}x", at_least=True)
    if ran("net"):
        # Each of ours against its like: the VMM's own device against QEMU's, vhost-net against vhost-net.
        for ours, qemu, how in [("ours", "qemu", ""), ("ours-vhost", "qemu-vhost", ", both with vhost-net")]:
            for key, label in [("up_mbit_s", "up"), ("down_mbit_s", "down")]:
                o, q = net_med.get(ours, {}).get(key), net_med.get(qemu, {}).get(key)
                target(f"TCP {label} >= QEMU's (virtio-net on a tap{how})", ratio(o, q), 1.0,
                       f"{fmt(o)} vs {fmt(q)} Mbit/s = {fmt(ratio(o, q), 2)}x", at_least=True)
        for ours, how in [("ours", ""), ("ours-vhost", ", ours with vhost-net")]:
            for key, label in [("ping_avg_ms", "ping"), ("http_ms_per_request", "HTTP request")]:
                o, c = net_med.get(ours, {}).get(key), net_med.get("crun", {}).get(key)
                target(f"{label} round trip <= 2x crun's{how}", ratio(o, c), 2.0,
                       f"{fmt(o, 2)} vs {fmt(c, 2)} ms = {fmt(ratio(o, c), 2)}x")
    if ran("restore"):
        rt = restore_med.get("ratios", {})
        st = restore_med.get("start_ms", {})
        target("`ppc-kvm-shim run` restored <= 2x `crun run`", rt.get("shim_restored_crun"), 2.0,
               f"{fmt(st.get('shim-run-restored'))} vs {fmt(st.get('crun-run'))} ms = {fmt(rt.get('shim_restored_crun'), 2)}x")
        target("`podman run --rm echo hi`, ours restored <= 1.2x crun", rt.get("podman_restored_crun"), 1.2,
               f"{fmt(st.get('podman-ours-restored'))} vs {fmt(st.get('podman-crun'))} ms = "
               f"{fmt(rt.get('podman_restored_crun'), 2)}x")
        mm = restore_med.get("memory", {})
        for key, label in [("avail_drop_mib_per_guest", "MemAvailable drop"), ("pss_mib_per_guest", "PSS")]:
            r_mem = ratio(mm.get("restored", {}).get(key), mm.get("cold", {}).get(key))
            target(f"{facts.get('RESTORE_GUESTS', '?')} restored guests cost <= cold ones ({label})", r_mem, 1.0,
                   f"{fmt(mm.get('restored', {}).get(key), 1)} vs {fmt(mm.get('cold', {}).get(key), 1)} MiB per guest = "
                   f"{fmt(r_mem, 2)}x")
    md.append("")
    if progress:
        md.append("## Run log\n")
        md.append("```\n" + "\n".join(progress) + "\n```\n")

    summary.update({"boot_median_ms": boot, "boot_breakdown_median_ms": bd, "container_breakdown_median_ms": cb,
                    "start_median_ms": start, "memory_median": mem, "density": dens,
                    "vsock": {"up_mb_s": up, "down_mb_s": down, "rtt_median_us": rtt, "rtt_p90_us": p90},
                    "exec_median_ms": {"ours": ex_ours, "crun": ex_crun}, "qemu_irq_mode": used,
                    "share": {"create_median_ms": create_med, "fs_median": fs_med, "fs_ours_by_run": fs_paired}, "net_median": net_med,
                    "restore": restore_med,
                    "sections": sections})
    results.mkdir(parents=True, exist_ok=True)
    (results / "results.json").write_text(json.dumps({"facts": facts, "summary": summary, "samples": samples}, indent=1) + "\n")
    (results / "results.md").write_text("\n".join(md) + "\n")
    with open(results / "boot-times.dat", "w") as f:
        for c in contenders:
            for r in of("boot", c):
                if "marker_ms" in r:
                    f.write(f"{c} {r['marker_ms']}\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
