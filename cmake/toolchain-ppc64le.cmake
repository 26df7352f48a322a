# Cross build for ppc64le on an x86_64 Debian machine: Debian's g++-powerpc64le-linux-gnu and
# the ppc64el -dev packages installed through multiarch (tests/rig/install-deps.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ppc64le)
set(CMAKE_C_COMPILER powerpc64le-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER powerpc64le-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE powerpc64le-linux-gnu)

# Headers of Multi-Arch packages live in /usr/include, libraries in the multiarch directory;
# programs (qemu, cpio) are the build machine's.
set(CMAKE_FIND_ROOT_PATH /usr/powerpc64le-linux-gnu /usr)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# Unit tests run under user-mode emulation.
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/qemu-ppc64le-static)
