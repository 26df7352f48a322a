#pragma once
// Our end ("front-end") of one vhost-user connection: requests go out with their file
// descriptors, and each reply is read and checked (vhost_user_wire.h) before anything else
// is sent. The backend must offer protocol features with REPLY_ACK, and every request after
// that asks for a reply: nothing the backend is told goes unconfirmed.
//
// A failure of any kind (a refused request, a malformed, late or missing reply, a closed
// socket) breaks the connection for good: the byte stream can no longer be trusted to be in
// step, so every later call fails at once with the first reason. Replies are awaited for at
// most the timeout given (SO_RCVTIMEO, set here), so a stuck backend cannot hang the caller.
// Runs on one thread at a time; no logging (the device decides what to say).
#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "base/unique_fd.h"
#include "virtio/vhost_user_wire.h"

namespace ppc::vmm {

class VhostUserFrontend {
 public:
  // socket: a connected AF_UNIX stream socket to the backend.
  VhostUserFrontend(UniqueFd socket, std::chrono::milliseconds reply_timeout);

  int fd() const { return socket_.get(); }
  bool broken() const { return !broken_.empty(); }
  const std::string& broken_reason() const { return broken_; }
  // Closes the socket (the backend sees it hang up) and breaks the connection with `why`.
  void disconnect(const std::string& why);

  // GET_FEATURES, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES(REPLY_ACK), SET_OWNER: returns
  // the backend's virtio features. Throws Error when it lacks protocol features or REPLY_ACK.
  uint64_t start();
  void set_features(uint64_t features);
  // One fd per region, in order.
  void set_mem_table(std::span<const vhost_user::MemoryRegion> regions, std::span<const int> fds);
  void set_vring_num(uint32_t index, uint32_t num);
  void set_vring_base(uint32_t index, uint32_t base);
  void set_vring_addr(const vhost_user::VringAddr& addr);
  void set_vring_kick(uint32_t index, int eventfd);
  void set_vring_call(uint32_t index, int eventfd);
  void set_vring_enable(uint32_t index, bool enable);
  // Stops the ring; returns where the backend stopped (its next available-ring index).
  uint32_t get_vring_base(uint32_t index);

 private:
  // Sends one request and reads its reply (a GET's value, or REPLY_ACK's status) when
  // `reply` says there is one.
  enum class Reply { None, Value, Ack };
  vhost_user::ReplyPayload transact(vhost_user::Request request, std::span<const uint8_t> payload,
                                    std::span<const int> fds, Reply reply);
  void send(vhost_user::Request request, std::span<const uint8_t> message, std::span<const int> fds);
  vhost_user::ReplyPayload receive(vhost_user::Request request);
  void acked(vhost_user::Request request, std::span<const uint8_t> payload, std::span<const int> fds = {});
  // An answer that is well-formed but unacceptable: breaks the connection too.
  [[noreturn]] void refuse(const std::string& why);

  UniqueFd socket_;
  std::string broken_;  // empty while the connection is in step
};

}  // namespace ppc::vmm
