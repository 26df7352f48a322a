#include "virtio/vhost_net_kernel.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"
#include "virtio/vhost_abi.h"

namespace ppc::vmm {

using namespace vhost_abi;

KernelVhostNet::KernelVhostNet(const std::string& device) : device_(device) {
  fd_.reset(::open(device.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd_.valid()) {
    const int e = errno;
    const char* hint = e == ENOENT ? " (is the vhost_net module loaded?)" : "";
    throw Error("open " + device + ": " + std::strerror(e) + hint);
  }
}

void KernelVhostNet::request(unsigned long request, const void* arg, const char* name, int queue) {
  if (::ioctl(fd_.get(), request, arg) == 0) return;
  throw_errno(device_ + ": " + name + (queue >= 0 ? " (queue " + std::to_string(queue) + ")" : std::string()));
}

uint64_t KernelVhostNet::features() {
  uint64_t features = 0;
  request(kGetFeatures, &features, "VHOST_GET_FEATURES");
  return features;
}

void KernelVhostNet::set_features(uint64_t features) { request(kSetFeatures, &features, "VHOST_SET_FEATURES"); }

void KernelVhostNet::set_owner() { request(kSetOwner, nullptr, "VHOST_SET_OWNER"); }

void KernelVhostNet::set_mem_table(uint64_t size, const void* host_base) {
  MemoryTable table{1, 0, {{0, size, reinterpret_cast<uint64_t>(host_base), 0}}};
  request(kSetMemTable, &table, "VHOST_SET_MEM_TABLE");
}

void KernelVhostNet::vring_state(unsigned long request, const char* name, unsigned queue, unsigned value) {
  const VringState state{queue, value};
  this->request(request, &state, name, static_cast<int>(queue));
}

void KernelVhostNet::vring_file(unsigned long request, const char* name, unsigned queue, int fd) {
  const VringFile file{queue, fd};
  this->request(request, &file, name, static_cast<int>(queue));
}

void KernelVhostNet::set_vring_num(unsigned queue, unsigned size) {
  vring_state(kSetVringNum, "VHOST_SET_VRING_NUM", queue, size);
}

void KernelVhostNet::set_vring_base(unsigned queue, unsigned next_avail) {
  vring_state(kSetVringBase, "VHOST_SET_VRING_BASE", queue, next_avail);
}

void KernelVhostNet::set_vring_addr(unsigned queue, const void* desc, const void* avail, const void* used) {
  const VringAddr addr{queue, 0, reinterpret_cast<uint64_t>(desc), reinterpret_cast<uint64_t>(used),
                       reinterpret_cast<uint64_t>(avail), 0};
  request(kSetVringAddr, &addr, "VHOST_SET_VRING_ADDR", static_cast<int>(queue));
}

void KernelVhostNet::set_vring_kick(unsigned queue, int eventfd) {
  vring_file(kSetVringKick, "VHOST_SET_VRING_KICK", queue, eventfd);
}

void KernelVhostNet::set_vring_call(unsigned queue, int eventfd) {
  vring_file(kSetVringCall, "VHOST_SET_VRING_CALL", queue, eventfd);
}

void KernelVhostNet::set_backend(unsigned queue, int tap_fd) {
  vring_file(kNetSetBackend, "VHOST_NET_SET_BACKEND", queue, tap_fd);
}

}  // namespace ppc::vmm
