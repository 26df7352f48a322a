#include "virtio/net_tx.h"

#include <cstring>

namespace ppc::vmm {
namespace {

constexpr size_t kMaxIov = 1024;  // UIO_MAXIOV: what one writev takes
constexpr uint64_t kMinChain = net::kHeaderSize + net::kEthernetHeader;
constexpr uint64_t kMaxChain = net::kHeaderSize + net::kMaxFrame;

}  // namespace

void NetTx::drop(const NetBackend& backend, const std::string& why) {
  ++counters_.dropped;
  drops_.line("virtio-net " + backend.name() + ": dropped a frame from the guest: " + why);
}

void NetTx::send(const DescriptorChain& chain, NetBackend& backend, uint64_t acked) {
  if (!chain.writable.empty()) return drop(backend, "its chain has device-writable buffers");
  const uint64_t total = chain.readable_bytes();
  if (total < kMinChain || total > kMaxChain)
    return drop(backend, std::to_string(total) + " bytes with the header (" + std::to_string(kMinChain) + " to " +
                             std::to_string(kMaxChain) + ")");
  chain.read(0, header_);
  const net::Header header = net::Header::decode(header_);
  if (const auto problem = net::tx_header_problem(header, total - net::kHeaderSize, acked)) return drop(backend, *problem);

  // Our checked copy of the header, then the frame from guest RAM.
  iov_.clear();
  iov_.push_back({header_.data(), header_.size()});
  uint64_t skip = net::kHeaderSize;
  for (const auto& buf : chain.readable) {
    if (skip >= buf.size()) {
      skip -= buf.size();
      continue;
    }
    if (iov_.size() == kMaxIov) return drop(backend, "more than " + std::to_string(kMaxIov) + " buffers");
    iov_.push_back({buf.data() + skip, buf.size() - skip});
    skip = 0;
  }
  if (const int err = backend.write_frame(iov_)) {
    ++counters_.refused;
    drops_.line("virtio-net " + backend.name() + ": the tap refused a frame of " + std::to_string(total) +
                " bytes: " + std::strerror(err));
    return;
  }
  ++counters_.frames;
  counters_.bytes += total;
  if (header.gso_type != net::kGsoNone) ++counters_.segmented;
}

bool NetTx::transmit(Virtqueue& tx, NetBackend& backend, uint64_t acked, unsigned max_chains, bool& used) {
  for (unsigned n = 0; n < max_chains; ++n) {
    auto chain = tx.pop();
    if (!chain) return false;
    send(*chain, backend, acked);
    tx.push(chain->head, 0);
    used = true;
  }
  return true;
}

}  // namespace ppc::vmm
