# System tests of the guest agent (issue 5): cases/agent_*.sh.
