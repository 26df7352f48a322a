# System tests of the ppc-kvm-shim CLI (issue 6): cases/shim_*.sh.
