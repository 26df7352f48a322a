#include "container/containers.h"

#include <signal.h>

#include "protocol/limits.h"

namespace ppc::agent {
namespace {

using protocol::ErrorCode;

std::string quoted(const std::string& id) { return "container \"" + id + "\""; }

}  // namespace

void Containers::reserve(const protocol::CreateContainer& request) {
  const std::lock_guard lock(mutex_);
  const std::string& id = request.container_id;
  if (containers_.count(id) || creating_.count(id)) {
    throw RequestFailed(ErrorCode::kAlreadyExists, quoted(id) + " exists already in this guest");
  }
  if (containers_.size() + creating_.size() >= protocol::kMaxContainersPerGuest) {
    throw RequestFailed(ErrorCode::kInvalidRequest, "this guest runs " + std::to_string(protocol::kMaxContainersPerGuest) +
                                                        " containers, the most it takes");
  }
  const bool first = containers_.empty() && creating_.empty();
  if (request.sandbox_id.empty() && !first) {
    const std::string other = sandbox_id_.empty() ? *creating_.begin() : sandbox_id_;
    throw RequestFailed(ErrorCode::kInvalidRequest,
                        "this guest already runs " + quoted(other) + ": a later container names it as its sandbox");
  }
  if (!request.sandbox_id.empty()) {
    if (sandbox_id_.empty() || request.sandbox_id != sandbox_id_) {
      throw RequestFailed(ErrorCode::kNotFound, "sandbox " + quoted(request.sandbox_id) + " is not this guest's first container");
    }
    // Its root comes through the VM's share: the initramfs's root is the sandbox's.
    if (request.shared_fs_tag.empty()) {
      throw RequestFailed(ErrorCode::kInvalidRequest, "a later container's root must come through the shared file system");
    }
  }
  creating_.insert(id);
}

std::shared_ptr<GuestProcess> Containers::create(const protocol::CreateContainer& request) {
  reserve(request);
  const std::string& id = request.container_id;
  try {
    const pid_t sandbox_pid = request.sandbox_id.empty() ? 0 : find(request.sandbox_id)->running_init_pid();
    auto container = std::make_shared<Container>(reaper_, id);
    std::shared_ptr<GuestProcess> init = container->create(request, sandbox_pid);
    const std::lock_guard lock(mutex_);
    creating_.erase(id);
    containers_[id] = std::move(container);
    if (request.sandbox_id.empty()) sandbox_id_ = id;
    return init;
  } catch (...) {
    const std::lock_guard lock(mutex_);
    creating_.erase(id);
    throw;
  }
}

std::shared_ptr<Container> Containers::find(const std::string& id) {
  const std::lock_guard lock(mutex_);
  auto it = containers_.find(id);
  if (it == containers_.end()) throw RequestFailed(ErrorCode::kNotFound, "no " + quoted(id) + " in this guest");
  return it->second;
}

std::shared_ptr<Container> Containers::sandbox() {
  std::string id;
  {
    const std::lock_guard lock(mutex_);
    id = sandbox_id_;
  }
  if (id.empty()) throw RequestFailed(ErrorCode::kInvalidRequest, "no container has been created");
  return find(id);
}

bool Containers::is_sandbox(const std::string& id) {
  const std::lock_guard lock(mutex_);
  return !sandbox_id_.empty() && id == sandbox_id_;
}

void Containers::abandon(const std::shared_ptr<Container>& container) {
  const std::string& id = container->id();
  const auto still_there = [&] {
    const std::lock_guard lock(mutex_);
    auto it = containers_.find(id);
    return it != containers_.end() && it->second == container;
  };
  if (!still_there()) return;
  try {
    container->signal(protocol::Signal{id, std::string(protocol::kInitExecId), SIGKILL});
  } catch (const RequestFailed&) {
    // Ended already.
  }
  try {
    container->wait(std::string(protocol::kInitExecId));
    if (still_there()) remove(id);
  } catch (const Error&) {
    // Removed meanwhile.
  }
}

void Containers::remove(const std::string& id) {
  if (is_sandbox(id)) {
    throw RequestFailed(ErrorCode::kInvalidRequest, quoted(id) + " is this guest's first container: it ends with the guest");
  }
  std::shared_ptr<Container> container = find(id);
  {
    const std::lock_guard lock(mutex_);
    if (!removing_.insert(id).second) throw RequestFailed(ErrorCode::kInvalidRequest, quoted(id) + " is being removed");
  }
  try {
    container->end_processes();
  } catch (...) {
    const std::lock_guard lock(mutex_);
    removing_.erase(id);
    throw;
  }
  const std::lock_guard lock(mutex_);
  removing_.erase(id);
  containers_.erase(id);
}

}  // namespace ppc::agent
