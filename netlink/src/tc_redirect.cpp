#include "netconf/tc_redirect.h"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/tc.h>

#include "base/error.h"
#include "nl_objects.h"

namespace ppc::netconf {
namespace {

using namespace detail;

constexpr uint32_t kIngressHandle = TC_HANDLE(0xffff, 0);
constexpr uint16_t kFilterPriority = 49152;  // what the kernel picks when none is given

QdiscPtr ingress_qdisc(int ifindex, const std::string& what) {
  QdiscPtr q = allocate<QdiscPtr>(rtnl_qdisc_alloc, what.c_str());
  rtnl_tc_set_ifindex(TC_CAST(q.get()), ifindex);
  rtnl_tc_set_parent(TC_CAST(q.get()), TC_H_INGRESS);
  rtnl_tc_set_handle(TC_CAST(q.get()), kIngressHandle);
  check_nl(rtnl_tc_set_kind(TC_CAST(q.get()), "ingress"), what);
  return q;
}

// A u32 filter on from's ingress matching every frame (one key: 0 under mask 0, at offset 0),
// terminal, so that its action runs: mirred, redirect to `to`'s egress, the frame stolen.
ClsPtr redirect_filter(const Link& from, const Link& to, const std::string& what) {
  ClsPtr f = allocate<ClsPtr>(rtnl_cls_alloc, what.c_str());
  rtnl_tc_set_ifindex(TC_CAST(f.get()), from.index);
  rtnl_tc_set_parent(TC_CAST(f.get()), kIngressHandle);
  check_nl(rtnl_tc_set_kind(TC_CAST(f.get()), "u32"), what);
  rtnl_cls_set_protocol(f.get(), ETH_P_ALL);
  rtnl_cls_set_prio(f.get(), kFilterPriority);
  check_nl(rtnl_u32_add_key_uint32(f.get(), 0, 0, 0, 0), what);
  // Without TC_U32_TERMINAL in its selector, u32 matches but never runs the action.
  check_nl(rtnl_u32_set_cls_terminal(f.get()), what);
  ActPtr mirred = allocate<ActPtr>(rtnl_act_alloc, what.c_str());
  check_nl(rtnl_tc_set_kind(TC_CAST(mirred.get()), "mirred"), what);
  check_nl(rtnl_mirred_set_action(mirred.get(), TCA_EGRESS_REDIR), what);
  check_nl(rtnl_mirred_set_policy(mirred.get(), TC_ACT_STOLEN), what);
  check_nl(rtnl_mirred_set_ifindex(mirred.get(), static_cast<uint32_t>(to.index)), what);
  check_nl(rtnl_u32_add_action(f.get(), mirred.get()), what);  // takes a reference of its own
  return f;
}

}  // namespace

bool has_ingress_qdisc(Netlink& nl, int ifindex) {
  nl_cache* raw = nullptr;
  check_nl(rtnl_qdisc_alloc_cache(nl.socket(), &raw), "list the qdiscs");
  CachePtr cache(raw);
  QdiscPtr found(rtnl_qdisc_get_by_parent(cache.get(), ifindex, TC_H_INGRESS));
  return found != nullptr;
}

void redirect_ingress(Netlink& nl, const Link& from, const Link& to) {
  const std::string what = "interface " + from.name + ": ingress qdisc";
  if (has_ingress_qdisc(nl, from.index)) throw Error(what + ": there is one already (another program's filters?)");
  QdiscPtr q = ingress_qdisc(from.index, what);
  check_nl(rtnl_qdisc_add(nl.socket(), q.get(), NLM_F_CREATE | NLM_F_EXCL), "add " + what);
  const std::string filter = "interface " + from.name + ": filter redirecting to " + to.name;
  ClsPtr f = redirect_filter(from, to, filter);
  check_nl(rtnl_cls_add(nl.socket(), f.get(), NLM_F_CREATE | NLM_F_EXCL), "add " + filter);
}

void remove_ingress(Netlink& nl, const std::string& interface) {
  std::optional<Link> link = find_link(nl, interface);
  if (!link || !has_ingress_qdisc(nl, link->index)) return;
  const std::string what = "interface " + interface + ": ingress qdisc";
  QdiscPtr q = ingress_qdisc(link->index, what);
  const int err = rtnl_qdisc_delete(nl.socket(), q.get());
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return;
  check_nl(err, "delete " + what);
}

}  // namespace ppc::netconf
