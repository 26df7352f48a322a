# System tests of the guest agent (issue 5): cases/agent_*.sh boot guests whose initramfs
# holds the agent and a busybox root filesystem, and drive them with agent_ctl.
add_executable(agent_ctl agent/agent_ctl.cpp)
target_link_libraries(agent_ctl PRIVATE agent_client nlohmann_json::nlohmann_json)
ppc_kvm_shim_system_test(agent_container PROFILES pr hv TIMEOUT 900)

ppc_kvm_shim_system_test(vmm_container PROFILES pr hv TIMEOUT 600)

# The hostile agent of guest_control: /init of a guest that attacks the host's agent channel.
add_executable(hostile_agent agent/hostile_agent.cpp)
target_link_libraries(hostile_agent PRIVATE protocol)
