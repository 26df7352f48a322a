#pragma once
// One instance of the host kernel's vhost-net (/dev/vhost-net): a kernel thread bound to this
// process serves one virtio-net queue pair, reading the rings in our memory and moving frames
// between them and a tap itself. Each call is one ioctl; a failure throws Error naming the
// request (and the queue).
//
// When each call may run: open before the jail (the device node is out of sight after it);
// set_owner, set_mem_table and the eventfds in the VMM process that owns guest RAM and KVM,
// before the seccomp filters: a confined thread cannot bind the instance to another process
// or give it another memory table or eventfds. The device thread's role allows exactly what
// activation and reset need afterwards: set_features, set_vring_num/base/addr and set_backend.
// (set_vring_addr takes addresses in this process, which that thread can write anyway.)
#include <cstdint>
#include <string>

#include "base/unique_fd.h"

namespace ppc::vmm {

class KernelVhostNet {
 public:
  static constexpr const char* kDevice = "/dev/vhost-net";

  // Throws Error naming the device when it cannot be opened (no vhost_net module, no access).
  explicit KernelVhostNet(const std::string& device = kDevice);

  int fd() const { return fd_.get(); }

  uint64_t features();
  void set_features(uint64_t features);
  void set_owner();
  // Guest physical [0, size) is our memory at host_base.
  void set_mem_table(uint64_t size, const void* host_base);
  void set_vring_num(unsigned queue, unsigned size);
  void set_vring_base(unsigned queue, unsigned next_avail);
  // The rings as addresses in this process.
  void set_vring_addr(unsigned queue, const void* desc, const void* avail, const void* used);
  void set_vring_kick(unsigned queue, int eventfd);
  void set_vring_call(unsigned queue, int eventfd);
  // The tap that queue's frames go to (tx) or come from (rx); -1 detaches it, which stops the
  // queue (the kernel finishes the frame in flight first).
  void set_backend(unsigned queue, int tap_fd);

 private:
  void request(unsigned long request, const void* arg, const char* name, int queue = -1);
  void vring_state(unsigned long request, const char* name, unsigned queue, unsigned value);
  void vring_file(unsigned long request, const char* name, unsigned queue, int fd);

  std::string device_;
  UniqueFd fd_;
};

}  // namespace ppc::vmm
