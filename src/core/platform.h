/* platform.h — everything Pixeen asks of the operating system, behind one header.
 *
 * Ordinary code includes this instead of <unistd.h>, <fcntl.h>, <sys/stat.h>, <dirent.h> or any
 * other system header. Two implementations: core/platform_posix.c (Linux, the BSDs, macOS) and
 * core/platform_win32.c (Windows, built with mingw-w64: scripts/cross-mingw.sh).
 *
 * Two kinds of entry point:
 * - Named concepts, `platform_<what>`: randomness, mapping a file, replacing a file atomically,
 *   flushing a folder, locked temporaries, the home folder, process protection, the terminal,
 *   wiping memory. Their POSIX versions are exactly the calls the code made before this header
 *   existed (the privacy and hostile-input tests pin that behaviour on Linux).
 * - The small POSIX file vocabulary the code already speaks (open/read/write/close, fstat, fsync,
 *   openat and friends relative to a folder, scandir, lstat, link, unlink, mkstemp). On POSIX these
 *   are the system's own; on Windows the header maps them onto the C runtime or onto shims in
 *   core/platform_win32.c, in the manner of git's compat/mingw.c. What those shims cannot do there
 *   is said beside each one below (no symbolic-link detection, no O_NOFOLLOW, no directory fsync).
 *
 * Every function returns 0 / a valid value on success, and -1 (or NULL) with errno set on failure,
 * as the POSIX calls do, so callers keep their strerror(errno) messages. */
#ifndef PIXEEN_CORE_PLATFORM_H
#define PIXEEN_CORE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/types.h>

#if defined(_WIN32)
#include <direct.h>
#include <dirent.h> /* mingw-w64's opendir/readdir */
#include <io.h>
#include <stdio.h>
#include <unistd.h> /* mingw-w64's: close, read, write, unlink, isatty */
#else
#include <dirent.h>
#include <unistd.h>
#endif

/* ---- named concepts ----------------------------------------------------------------------- */

/* Fills buf with n bytes from the system's cryptographic generator (getrandom / BCryptGenRandom).
 * 0, or -1 with errno. Never returns fewer bytes. */
int platform_random_bytes(void *buf, size_t n);

/* Maps `size` bytes of the open file `fd` read-only and private (mmap / MapViewOfFile). The map
 * stays valid after fd is closed. NULL with errno on failure; size must be > 0. */
void *platform_map_file(int fd, size_t size);
void platform_unmap_file(void *map, size_t size);
/* Hints for a map: it will be read front to back (MADV_SEQUENTIAL), and the pages of
 * [p, p + size) may leave this process's resident set (MADV_DONTNEED on a private read-only map:
 * they are read again from the file if touched). The range is widened to whole pages. Hints only:
 * nothing on Windows. */
void platform_map_advise_sequential(void *map, size_t size);
void platform_map_drop(const void *map_start, size_t map_size, const void *p, size_t size);
/* Asks for transparent huge pages over the whole 2 MiB pages inside [p, p + size) (MADV_HUGEPAGE)
 * of anonymous memory not touched yet: a CPU Vulkan driver's device memory, filled once with
 * weights. A 4 KiB first-touch fault costs microseconds (far more under a paravirtualised
 * hypervisor, where it was 70% of a model load); a 2 MiB page takes one fault for 512. A hint
 * only: refused ranges and Windows do nothing. */
void platform_memory_advise_huge(void *p, size_t size);

/* `size` bytes of fresh, zeroed, private anonymous memory aligned to 2 MiB (on Windows to its
 * 64 KiB allocation granularity: no transparent huge pages there), for a CPU Vulkan
 * driver to use as device memory (VK_EXT_external_memory_host): the driver's own allocations may
 * be shared memory (Mesa 25's lavapipe uses a memfd), which takes a 4 KiB fault per page and no
 * huge pages; this memory is asked for huge pages (platform_memory_advise_huge) and, on Linux, is
 * left out of core dumps (MADV_DONTDUMP: it holds prompts' embeddings and images). Release with
 * platform_memory_release and the same size. NULL with errno on failure. */
void *platform_memory_reserve(size_t size);
void platform_memory_release(void *p, size_t size);
/* Faults in the pages of [p, p + size) (memory from platform_memory_reserve) on a thread of its
 * own, from the end backwards, 2 MiB at a time, while the caller writes from the start: under a
 * hypervisor a first touch is slow (measured 1.5 ns a byte on the 2-core VM once the host had
 * reclaimed freed memory: 3.2 s to fill 2 GiB alone, 1.7 s with this thread). MADV_POPULATE_WRITE
 * makes pages present without changing what they hold, so the caller may write meanwhile. NULL
 * where there is nothing to start (no such madvise, Windows, no thread); stop before releasing the
 * memory. */
typedef struct platform_prefault platform_prefault;
platform_prefault *platform_memory_prefault_start(void *p, size_t size);
void platform_memory_prefault_stop(platform_prefault *job); /* stops and joins it; NULL: nothing */

/* The machine's physical memory in bytes (0 when unknown): what a CPU Vulkan driver's "device
 * memory" really is, whatever heap size it reports. */
uint64_t platform_physical_memory(void);

/* Reads exactly `n` bytes at `offset` of the open file `fd` into buf (pread, looped over short
 * reads and EINTR; on Windows ReadFile at an offset), without moving the file position or mapping
 * anything. 0, or -1 with errno (EIO when the file ends first: it shrank). */
int platform_read_at(int fd, void *buf, size_t n, uint64_t offset);

/* Renames `from` onto `to`, replacing an existing `to` atomically (rename / MoveFileEx with
 * MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH). */
int platform_rename_replace(const char *from, const char *to);

/* Makes a rename or unlink in folder `dir` durable (fsync of the folder; on Windows NTFS journals
 * its metadata and there is no folder handle to flush: 0). */
int platform_fsync_dir(const char *dir);

/* Takes an exclusive lock on fd without waiting (flock LOCK_EX|LOCK_NB / LockFileEx): -1 with
 * errno EWOULDBLOCK when another holder has it. Released when fd is closed. */
int platform_lock_exclusive_nowait(int fd);

/* Waits until fd has data to read (poll; a FIFO that nobody has written yet). On Windows: 0 at
 * once (no FIFOs among the inputs there). */
int platform_wait_readable(int fd);

/* Opens folder `dir` for the *at() calls below (open O_DIRECTORY). Close with platform_dir_close. */
int platform_dir_open(const char *dir);
int platform_dir_close(int dirfd);

/* mkdir with a mode (ignored on Windows, where the new folder inherits its parent's ACL: in the
 * user's profile that is the user's alone). */
int platform_mkdir(const char *path, unsigned mode);

/* Gives an open file the permission bits `mode` (fchmod; on Windows: nothing, 0). */
int platform_set_mode(int fd, unsigned mode);

/* The user's home folder: $HOME; on Windows %USERPROFILE% when HOME is unset. NULL if none. */
const char *platform_home_dir(void);

/* A file's modification time in nanoseconds since 1970 (st_mtim; on Windows whole seconds). */
int64_t platform_mtime_ns(const struct stat *st);

/* Overwrites n bytes at p with zeros in a way the compiler may not remove (explicit_bzero /
 * SecureZeroMemory). NULL or n == 0 does nothing. */
void platform_wipe(void *p, size_t n);

/* No core file or crash dump of this process (RLIMIT_CORE 0 and, on Linux, PR_SET_DUMPABLE 0; on
 * Windows SetErrorMode without the fault dialog and WerSetFlags(WER_FAULT_REPORTING_NO_UI) — a
 * system-wide Windows Error Reporting LocalDumps policy can still write dumps: see README).
 * 0, or -1 with errno and *failed_call naming the call that failed. */
int platform_disable_crash_dumps(const char **failed_call);

/* Calls `cleanup` (async-signal-safe) on SIGINT, SIGTERM, SIGHUP and SIGQUIT (where they exist),
 * then lets the signal end the process as it would have. A signal that is ignored or already has a
 * handler keeps it. 0, or -1 with errno and *failed_signal set. */
int platform_on_fatal_signals(void (*cleanup)(void), int *failed_signal);

/* The controlling terminal, opened read/write for a passphrase prompt (/dev/tty). On Windows: -1
 * with ENOTTY (no console prompt yet: a passphrase comes from a file there). */
int platform_tty_open(void);
/* A terminal's settings (tcgetattr): platform_tty_save fills *saved and returns 1, or 0 if fd is no
 * terminal; platform_tty_echo_off turns echo off from those settings; platform_tty_restore puts
 * them back after pending output (TCSAFLUSH), platform_tty_restore_now at once (TCSANOW;
 * async-signal-safe, for a signal handler). */
typedef struct platform_tty_state {
    _Alignas(8) unsigned char bytes[256];
} platform_tty_state;
int platform_tty_save(int fd, platform_tty_state *saved);
void platform_tty_echo_off(int fd, const platform_tty_state *saved);
void platform_tty_restore(int fd, const platform_tty_state *saved);
void platform_tty_restore_now(int fd, const platform_tty_state *saved);

/* a * b + c rounded once, as C's fmaf. mingw-w64's fmaf (without -mfma) is not fused: it rounds
 * the product first, which breaks the bit-exact torch and philox generators (tests/test_rng.c
 * caught it under wine), so Windows gets an exact emulation in double (core/platform_win32.c). */
#if defined(_WIN32)
float platform_fmaf(float a, float b, float c);
#else
static inline float platform_fmaf(float a, float b, float c) { return fmaf(a, b, c); }
#endif

/* ---- the POSIX file vocabulary on Windows ------------------------------------------------- */
#if defined(_WIN32)
/* Every open is binary (no CRLF translation) and not inherited by child processes: O_CLOEXEC is
 * in every open() of the code base, so it carries both. */
#undef O_CLOEXEC
#define O_CLOEXEC (_O_NOINHERIT | _O_BINARY)
/* No symbolic links to refuse in ordinary use (creating one needs a privilege), no terminals, no
 * non-blocking opens of FIFOs: these flags mean nothing there. */
#define O_NOFOLLOW 0
#define O_NOCTTY 0
#define O_NONBLOCK 0
#define O_DIRECTORY 0
#define S_ISLNK(m) 0
#define S_ISSOCK(m) 0
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define LOCK_EX 2
#define LOCK_NB 4
int platform_win32_fsync(int fd);
#define fsync platform_win32_fsync
#define lstat stat /* Windows' stat does not follow links either way (see above) */
#define mkdir(path, mode) platform_mkdir((path), (mode))
static inline short geteuid(void) { return 0; } /* st_uid is a short, always 0, on Windows */
int link(const char *from, const char *to);        /* CreateHardLink */
int openat(int dirfd, const char *name, int flags, ...);
int fstatat(int dirfd, const char *name, struct stat *st, int flags);
int unlinkat(int dirfd, const char *name, int flags);
DIR *fdopendir(int dirfd); /* takes dirfd over, as on POSIX: closedir releases it */
/* For tests and tools: POSIX environment and scratch folders (_putenv_s, _mkdir). */
int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
char *mkdtemp(char *templ);
int alphasort(const struct dirent **a, const struct dirent **b);
int scandir(const char *dir, struct dirent ***names, int (*filter)(const struct dirent *),
            int (*compare)(const struct dirent **, const struct dirent **));
#endif

#endif
