# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (gcc-mingw-w64-x86-64).
# The Windows-side dependencies (headers, static libraries, pkg-config files) live in one prefix,
# named by the environment variable PIXEEN_MINGW_PREFIX (scripts/cross-mingw.sh builds it); the
# host's /usr/include is never searched, so glibc headers cannot leak into a Windows build.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 $ENV{PIXEEN_MINGW_PREFIX})
# Programs (glslangValidator, pkg-config) are the host's; libraries and headers only the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Under wine the programs find their runtime (libgcc, winpthread) without a PATH entry.
set(CMAKE_C_STANDARD_LIBRARIES "-static-libgcc" CACHE STRING "" FORCE)
