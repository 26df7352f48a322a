#pragma once
// The kernel's own vhost request numbers and structure sizes, from <linux/vhost.h> compiled as
// C (kernel_vhost_values.c): what vhost_abi.h and the reviewed allowlists are checked against.
#ifdef __cplusplus
extern "C" {
#endif

extern const unsigned long kernel_vhost_get_features, kernel_vhost_set_features, kernel_vhost_set_owner,
    kernel_vhost_set_mem_table, kernel_vhost_set_vring_num, kernel_vhost_set_vring_addr, kernel_vhost_set_vring_base,
    kernel_vhost_set_vring_kick, kernel_vhost_set_vring_call, kernel_vhost_net_set_backend;
extern const unsigned long kernel_vhost_sizeof_vring_state, kernel_vhost_sizeof_vring_file,
    kernel_vhost_sizeof_vring_addr, kernel_vhost_sizeof_memory, kernel_vhost_sizeof_memory_region;
extern const unsigned long long kernel_vhost_f_log_all, kernel_vhost_net_f_virtio_net_hdr;

#ifdef __cplusplus
}
#endif
