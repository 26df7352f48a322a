#include "net/network_record.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/read_file.h"
#include "state/atomic_file.h"

namespace ppc::shim {
namespace {

constexpr const char* kNetworkFile = "network.json";

}  // namespace

void write_network_record(const std::string& state_dir, const NetworkRecord& record) {
  nlohmann::json nics = nlohmann::json::array();
  for (const GuestNic& nic : record.nics) nics.push_back({{"tap", nic.tap}, {"mac", nic.mac}, {"mtu", nic.mtu}});
  const nlohmann::json j = {{"netns", record.netns.path},
                            {"netns_inode", record.netns.inode},
                            {"late", record.late},
                            {"nics", nics}};
  write_file_atomic(state_dir + "/" + kNetworkFile, j.dump(), 0600);
}

std::optional<NetworkRecord> read_network_record(const std::string& state_dir) {
  const std::string path = state_dir + "/" + kNetworkFile;
  if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
  try {
    const nlohmann::json j = nlohmann::json::parse(read_file(path));
    NetworkRecord record;
    record.netns = NetnsId{j.at("netns").get<std::string>(), j.at("netns_inode").get<uint64_t>()};
    record.late = j.at("late").get<bool>();
    for (const nlohmann::json& nic : j.at("nics")) {
      record.nics.push_back({nic.at("tap").get<std::string>(), nic.at("mac").get<std::string>(), nic.at("mtu").get<unsigned>()});
    }
    return record;
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace ppc::shim
