# System tests of the guest agent (issue 5): cases/agent_*.sh boot guests whose initramfs
# holds the agent and a busybox root filesystem, and drive them with agent_ctl.
add_executable(agent_ctl agent/agent_ctl.cpp)
target_link_libraries(agent_ctl PRIVATE agent_client nlohmann_json::nlohmann_json)
ppc_kvm_shim_system_test(agent_container PROFILES pr hv TIMEOUT 900)

# A busybox root filesystem on an ext4 image, for the agent's disk-root path.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/share/container-disk.ext4
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/share
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/agent/make-container-disk.sh ${CMAKE_BINARY_DIR}/share/container-disk.ext4
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/agent/make-container-disk.sh
  COMMENT "container-disk.ext4 for the agent's disk-root test"
  VERBATIM)
add_custom_target(container-disk ALL DEPENDS ${CMAKE_BINARY_DIR}/share/container-disk.ext4)
ppc_kvm_shim_system_test(vmm_container PROFILES pr hv TIMEOUT 600)
