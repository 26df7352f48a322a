# System tests of the VMM sandbox (issue 7): cases/sandbox_*.sh.
