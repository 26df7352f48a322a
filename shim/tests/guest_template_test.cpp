// Guest templates: their key, and the store's cheap checks, refusals and eviction.
#include "vm/guest_template.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "base/error.h"
#include "test_dir.h"
#include "vm/shim_config.h"

namespace ppc::shim {
namespace {

using test::TestDir;

class shim_guest_template : public ::testing::Test {
 protected:
  shim_guest_template() {
    shape_.vmm = dir_.write("vmm", "v");
    shape_.kernel = dir_.write("vmlinux", "k");
    shape_.initramfs = dir_.write("agent.cpio", "i");
    shape_.memory_mib = 1;
    shape_.vcpus = 1;
    shape_.vm_type = "auto";
    shape_.cmdline = "quiet";
    shape_.share = true;
  }
  // A template of `key` as the VMM and publish leave it, with `ram_mib` MiB of RAM.
  std::string make(const TemplateStore& store, const std::string& key, uint64_t ram_mib = 1) {
    const std::string making = store.making_dir(key);
    EXPECT_EQ(::truncate(dir_.write(making.substr(dir_.path().size() + 1) + "/ram", "").c_str(), ram_mib << 20), 0);
    dir_.write(making.substr(dir_.path().size() + 1) + "/state.json", "{}");
    store.publish(making, key);
    return store.dir_for(key);
  }
  TestDir dir_;
  TemplateShape shape_;
  std::string root() const { return dir_ / "lib/ppc-kvm-shim/templates"; }  // its parents made too
};

TEST_F(shim_guest_template, TheKeyChangesWithAFileAndWithTheShape) {
  const std::string key = template_key(shape_);
  EXPECT_EQ(template_key(shape_), key);
  EXPECT_NE(key.find("kernel " + shape_.kernel + " "), std::string::npos) << key;
  TemplateShape other = shape_;
  other.nic_mtus = {1500};
  EXPECT_NE(template_key(other), key);
  other = shape_;
  other.memory_mib = 2;
  EXPECT_NE(template_key(other), key);
  // A rebuilt kernel (another size or mtime) is another key.
  dir_.write("vmlinux", "rebuilt");
  EXPECT_NE(template_key(shape_), key);
  ::unlink(shape_.kernel.c_str());
  EXPECT_THROW(template_key(shape_), Error);
}

TEST_F(shim_guest_template, AStoreIsMadeClosedAndAnOpenOneIsRefused) {
  const TemplateStore store(root(), 2);
  struct stat st {};
  ASSERT_EQ(::stat(root().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::chmod(root().c_str(), 0755), 0);
  try {
    TemplateStore open(root(), 2);
    FAIL() << "an open template directory was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("template_dir: " + root()), std::string::npos) << e.what();
  }
}

TEST_F(shim_guest_template, FindTakesOnlyACompleteTemplateOfItsKey) {
  const TemplateStore store(root(), 4);
  const std::string key = template_key(shape_);
  EXPECT_FALSE(store.find(key, 1));
  const std::string dir = make(store, key);
  EXPECT_EQ(store.find(key, 1), dir);
  EXPECT_FALSE(store.find(key, 2)) << "RAM of another size";
  dir_.write(dir.substr(dir_.path().size() + 1) + "/key", key + "changed\n");
  EXPECT_FALSE(store.find(key, 1)) << "another key's";
  make(store, key);
  dir_.write(dir.substr(dir_.path().size() + 1) + "/state.json", "");
  EXPECT_FALSE(store.find(key, 1)) << "an empty state.json";
}

// A refused template is discarded only if it is the one used, and nobody else restores from it.
TEST_F(shim_guest_template, DiscardRemovesOnlyTheTemplateUsedAndOnlyWhenNobodyElseHoldsIt) {
  const TemplateStore store(root(), 4);
  const std::string key = template_key(shape_);
  const std::string dir = make(store, key);
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  const UniqueFd mine = store.lock(key, LOCK_SH);
  {
    const UniqueFd other = store.lock(key, LOCK_SH);  // another create restoring from it
    EXPECT_FALSE(store.discard(key, st.st_ino, mine.get()));
    EXPECT_TRUE(store.find(key, 1));
  }
  EXPECT_FALSE(store.discard(key, st.st_ino + 1, mine.get())) << "another directory (made again meanwhile)";
  EXPECT_TRUE(store.find(key, 1));
  EXPECT_TRUE(store.discard(key, st.st_ino, mine.get()));
  EXPECT_FALSE(store.find(key, 1));
  EXPECT_NE(::access(dir.c_str(), F_OK), 0);
}

TEST_F(shim_guest_template, ARefusalIsOfItsKey) {
  const TemplateStore store(root(), 4);
  const std::string key = template_key(shape_);
  EXPECT_FALSE(store.refusal(key));
  store.record_refusal(key, "a KVM-PR guest cannot be saved");
  EXPECT_EQ(store.refusal(key), "a KVM-PR guest cannot be saved");
  // The marker's file is the hash's: another key of the same hash (its text first) says nothing.
  shape_.vcpus = 2;
  const std::string other = template_key(shape_);
  dir_.write(store.dir_for(key).substr(dir_.path().size() + 1) + ".refused", other + "another key's reason");
  EXPECT_FALSE(store.refusal(key));
}

TEST_F(shim_guest_template, EvictionKeepsTheMostRecentlyUsedAndWhatIsInUse) {
  const TemplateStore store(root(), 1);
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i) {
    shape_.vcpus = static_cast<unsigned>(i + 1);
    keys.push_back(template_key(shape_));
    make(store, keys.back());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(store.find(keys[0], 1));  // used now: the newest
  const UniqueFd restoring = store.lock(keys[1], LOCK_SH);  // a create restores from it
  // A maker that died left its directory (its key's lock is free); a live one holds its lock.
  const std::string dead = store.dir_for(keys[2]) + ".making-1";
  ASSERT_EQ(::mkdir(dead.c_str(), 0700), 0);
  const UniqueFd making = store.lock(keys[3], LOCK_EX);
  const std::string live = store.making_dir(keys[3]);
  store.evict();
  EXPECT_TRUE(store.find(keys[0], 1));
  EXPECT_TRUE(store.find(keys[1], 1)) << "in use: left alone";
  EXPECT_FALSE(store.find(keys[2], 1)) << "least recently used";
  EXPECT_TRUE(store.find(keys[3], 1)) << "its key's maker holds the lock: left alone";
  EXPECT_NE(::access(dead.c_str(), F_OK), 0);
  EXPECT_EQ(::access(live.c_str(), F_OK), 0);
  EXPECT_EQ(::access((store.dir_for(keys[2]) + ".lock").c_str(), F_OK), 0) << "a lock file is never removed";
}

}  // namespace
}  // namespace ppc::shim
