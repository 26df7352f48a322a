#include "rootfs/initramfs.h"

#include "rootfs/atomic_output.h"
#include "rootfs/byte_sink.h"
#include "rootfs/cpio_writer.h"
#include "rootfs/plan.h"

namespace ppc::rootfs {

void build_initramfs(const BuildSpec& spec, const std::string& output) {
  // Plan first: a bad input is reported before any output file exists.
  const Plan plan = plan_initramfs(spec);
  AtomicOutput out(output);
  FdSink sink(out.fd(), out.temp_path());
  CpioWriter writer(sink);
  write_plan(plan, writer);
  out.commit();
}

}  // namespace ppc::rootfs
