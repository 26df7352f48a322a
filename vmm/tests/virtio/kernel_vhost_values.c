#include "virtio/kernel_vhost_values.h"

#include <linux/vhost.h>

const unsigned long kernel_vhost_get_features = VHOST_GET_FEATURES;
const unsigned long kernel_vhost_set_features = VHOST_SET_FEATURES;
const unsigned long kernel_vhost_set_owner = VHOST_SET_OWNER;
const unsigned long kernel_vhost_set_mem_table = VHOST_SET_MEM_TABLE;
const unsigned long kernel_vhost_set_vring_num = VHOST_SET_VRING_NUM;
const unsigned long kernel_vhost_set_vring_addr = VHOST_SET_VRING_ADDR;
const unsigned long kernel_vhost_set_vring_base = VHOST_SET_VRING_BASE;
const unsigned long kernel_vhost_set_vring_kick = VHOST_SET_VRING_KICK;
const unsigned long kernel_vhost_set_vring_call = VHOST_SET_VRING_CALL;
const unsigned long kernel_vhost_net_set_backend = VHOST_NET_SET_BACKEND;

const unsigned long kernel_vhost_sizeof_vring_state = sizeof(struct vhost_vring_state);
const unsigned long kernel_vhost_sizeof_vring_file = sizeof(struct vhost_vring_file);
const unsigned long kernel_vhost_sizeof_vring_addr = sizeof(struct vhost_vring_addr);
const unsigned long kernel_vhost_sizeof_memory = sizeof(struct vhost_memory);
const unsigned long kernel_vhost_sizeof_memory_region = sizeof(struct vhost_memory_region);

const unsigned long long kernel_vhost_f_log_all = 1ull << VHOST_F_LOG_ALL;
const unsigned long long kernel_vhost_net_f_virtio_net_hdr = 1ull << VHOST_NET_F_VIRTIO_NET_HDR;
