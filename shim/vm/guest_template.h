#pragma once
// Guest templates: a guest booted until its agent answered, with no container yet, saved by
// the VMM (--snapshot-to --save-when-ready) so that a container's VM is restored from it
// (--restore-from) instead of booting its kernel. A template serves the containers whose VMs
// are started the same way: its key names everything the saved guest depends on (the files
// by identity, the sizes, the devices); containers differ afterwards in what the agent is
// told (Restored, the network, the container).
//
// The store is a 0700 directory of the shim's user (not /run: templates outlive a reboot):
//   <hash>/            a template: the VMM's ram and state.json, and "key", the key's text
//   <hash>.lock        flock: held exclusively while the template is made (creates of that
//                      key wait, then use it), shared while one is restored from it (it is
//                      neither evicted nor discarded meanwhile); never removed
//   <hash>.refused     why the last attempt to make one failed (KVM-PR guests cannot be
//                      saved): such creates boot cold, and try again after kRetryRefusedAfter
//   <hash>.making-PID  a template being made by process PID (removed once its lock is free)
// At most `limit` templates are kept; the least recently used go first.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace ppc::shim {

inline constexpr auto kRetryRefusedAfter = std::chrono::hours(1);

// What a template's guest is: what the VMM is started with that its saved state depends on.
struct TemplateShape {
  std::string vmm, kernel, initramfs;  // paths; the key holds their identities
  uint64_t memory_mib = 0;
  unsigned vcpus = 0;
  std::string vm_type;  // auto, hv or pr
  std::string cmdline;
  std::vector<std::string> vmm_args;
  bool share = false;              // a virtio-fs device
  std::vector<unsigned> nic_mtus;  // one per NIC (0: the device offers none)
  bool vhost_net = false;
};

// The key's text: one "name value" line each; a file as "dev:inode:size:mtime", so that a
// rebuilt kernel, agent or VMM has another key. Throws Error naming a file that is missing.
std::string template_key(const TemplateShape& shape);

class TemplateStore {
 public:
  // Makes `root` (0700, its parents 0755) when missing; throws Error when it cannot, or when
  // it is not a directory owned by this user and closed to others (a template is a guest's
  // memory).
  TemplateStore(std::string root, unsigned limit);

  const std::string& root() const { return root_; }
  // Where the template of `key` is (or goes).
  std::string dir_for(const std::string& key) const;
  // That directory if the template is there and passes the cheap checks: its key is `key`,
  // state.json is not empty, ram holds memory_mib MiB. It counts as used now (eviction).
  std::optional<std::string> find(const std::string& key, uint64_t memory_mib) const;
  // Why making one for `key` failed less than kRetryRefusedAfter ago, if it did.
  std::optional<std::string> refusal(const std::string& key) const;
  void record_refusal(const std::string& key, const std::string& reason) const;
  // Removes the template of `key` (one the VMM refused) if it is still the directory whose
  // inode is `inode` and nobody else restores from it: `held` (this process's shared lock of
  // it) becomes exclusive, without waiting. Whether it was removed.
  bool discard(const std::string& key, ino_t inode, int held) const;
  // `key`'s lock, taken (LOCK_SH or LOCK_EX; waits).
  UniqueFd lock(const std::string& key, int how) const;
  // A directory for making the template of `key` in (made 0700; a dead maker's removed).
  std::string making_dir(const std::string& key) const;
  // Puts a template made in `making` in place (its key file written first, everything synced).
  void publish(const std::string& making, const std::string& key) const;
  // Keeps at most `limit` templates (least recently used removed first) and removes what
  // makers that died left; one whose lock another process holds is left alone. Best effort.
  void evict() const;

 private:
  std::string root_;
  unsigned limit_;
};

}  // namespace ppc::shim
