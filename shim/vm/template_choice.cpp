#include "vm/template_choice.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <chrono>

#include "base/error.h"
#include "base/tree_removal.h"
#include "log/logger.h"
#include "vm/template_maker.h"

namespace ppc::shim {
namespace {

std::optional<ChosenTemplate> found(const TemplateStore& store, const std::string& key, uint64_t memory_mib,
                                    UniqueFd& hold) {
  const std::optional<std::string> dir = store.find(key, memory_mib);
  struct stat st {};
  if (!dir || ::lstat(dir->c_str(), &st) != 0) return std::nullopt;
  return ChosenTemplate{*dir, key, st.st_ino, std::move(hold)};
}

// Under `key`'s exclusive lock: makes and publishes the template. false (logged why) when
// it cannot be made.
bool make_in_store(const ShimConfig& config, const TemplateShape& shape, const TemplateStore& store,
                   const std::string& key) {
  if (const std::optional<std::string> why = store.refusal(key)) {
    logger().debug("booting cold: no guest template can be made for this VM (" + *why + ")");
    return false;
  }
  store.evict();  // room for it, and what makers that died left
  const std::string making = store.making_dir(key);
  const auto start = std::chrono::steady_clock::now();
  try {
    make_template(config, shape, making, std::chrono::seconds(config.boot_timeout_seconds));
    store.publish(making, key);
  } catch (const Error& e) {
    logger().warning("booting cold: making a guest template in " + making +
                     " failed (not tried again for an hour): " + e.what());
    remove_tree_within_mount(making);
    store.record_refusal(key, e.what());
    return false;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  logger().debug("guest template made in " + std::to_string(ms.count()) + " ms: " + store.dir_for(key));
  return true;
}

}  // namespace

std::optional<ChosenTemplate> choose_template(const ShimConfig& config, const TemplateShape& shape) {
  if (config.templates == 0) return std::nullopt;
  try {
    const std::string key = template_key(shape);
    const TemplateStore store(config.template_dir, config.templates);
    UniqueFd hold = store.lock(key, LOCK_SH);
    if (auto chosen = found(store, key, shape.memory_mib, hold)) return chosen;
    hold.reset();
    hold = store.lock(key, LOCK_EX);  // one maker; the others wait here, then find it
    if (!store.find(key, shape.memory_mib) && !make_in_store(config, shape, store, key)) return std::nullopt;
    if (::flock(hold.get(), LOCK_SH) != 0) throw_errno("flock " + store.dir_for(key) + ".lock");
    return found(store, key, shape.memory_mib, hold);
  } catch (const Error& e) {
    logger().warning(std::string("booting cold: guest templates: ") + e.what());
    return std::nullopt;
  }
}

void discard_template(const ShimConfig& config, ChosenTemplate& chosen) {
  try {
    const TemplateStore store(config.template_dir, config.templates);
    if (!store.discard(chosen.key, chosen.inode, chosen.hold.get()))
      logger().warning("the guest template " + chosen.dir + " is kept: another create restores from it, or it was made again");
  } catch (const Error& e) {
    logger().warning("discarding the guest template " + chosen.dir + ": " + e.what());
  }
}

}  // namespace ppc::shim
