/* file.h — writing files so that nothing is lost and nothing partial is left, and reading outside
 * files without hanging on them.
 *
 * Writing: a temporary file `.pixeen-tmp-XXXXXX` in the target's folder (mode 0600, O_EXCL, held
 * under an exclusive flock(2) for as long as it exists), written and fsync'ed, renamed (or linked,
 * when overwriting is not allowed) over the target, then the folder fsync'ed. Any failure removes
 * the temporary file; so does a signal, when the process's handler calls
 * vault_file_abort_temporaries (the CLI's does: see api/process.c). What survives only SIGKILL or a
 * power loss is found by its name and by its lock being free (the lock dies with its process, so a
 * temporary of a save still running, here or on another host of a network file system, is never
 * touched): vault_file_sweep_temporaries removes such leftovers, and every atomic write runs it on
 * its target's folder first.
 *
 * Reading: regular files up to a bound; pipes and FIFOs (`<(...)`, /dev/stdin) up to the same bound
 * without blocking on a FIFO that has no writer; folders, devices and sockets are refused at once.
 * Leaves out: Windows. Entry points: vault_file_write_atomic, vault_file_read, vault_input_*,
 * vault_file_remove, vault_file_sweep_temporaries, vault_file_abort_temporaries, vault_file_temporary_*,
 * vault_mkdirs. */
#ifndef PIXEEN_VAULT_FILE_H
#define PIXEEN_VAULT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Writes `len` bytes to `path` atomically with mode 0600. Without `force` an existing file is
 * never replaced (PIXEEN_ERROR_EXISTS); with it, a regular file is replaced atomically, and
 * anything else (a device, folder, FIFO, socket or symbolic link) is refused with
 * PIXEEN_ERROR_EXISTS naming what it is. PIXEEN_ERROR_IO with the system's reason on any failure,
 * and then neither a partial target nor a temporary remains. */
pixeen_status vault_file_write_atomic(const char *path, const uint8_t *data, size_t len, int force);

/* Reads a whole (non-secret) file or pipe into malloc'ed memory, at most `max` bytes (see the
 * reading rules above). */
pixeen_status vault_file_read(const char *path, size_t max, uint8_t **data, size_t *len);

/* The two halves of the reading rules, for readers that keep the bytes elsewhere (secrets):
 * vault_input_open opens `path` for reading; *size is the file's size for a regular file (refused
 * above `max`), or SIZE_MAX for a pipe, whose length is known only at its end. */
pixeen_status vault_input_open(const char *path, size_t max, int *fd, size_t *size);
/* Reads from `fd` into buf until the end of the input or `cap` bytes; a pipe holding more than
 * `cap` bytes is refused (PIXEEN_ERROR_IO, "more than cap bytes"). Waits for a pipe's writer. */
pixeen_status vault_input_read(int fd, const char *path, uint8_t *buf, size_t cap, size_t *len);

/* Removes `name` from the folder open as `dirfd` without ever writing through a link: a regular
 * file with a single link is overwritten with zeros and flushed first; anything else (a symbolic
 * link, a file with other hard links, a FIFO, a device, an empty folder) loses only its name.
 * `shown` names it in messages. *wiped (may be NULL) says whether the bytes were overwritten. */
pixeen_status vault_file_remove(int dirfd, const char *name, const char *shown, int *wiped);

/* Removes the temporary files that interrupted saves left in `dir` (see above); each removal is
 * reported as a warning. *removed (may be NULL) counts them. A folder that cannot be read removes
 * nothing and is not an error. */
pixeen_status vault_file_sweep_temporaries(const char *dir, int *removed);

/* Async-signal-safe: unlinks the temporary files of this process's saves in progress (their data
 * are gone with the process; the targets are either complete or untouched). For signal handlers
 * that are about to end the process. */
void vault_file_abort_temporaries(void);

/* For writers that stream their own bytes (the GGUF writer): sweeps `target`'s folder, then creates
 * a temporary there exactly as the atomic writer does (`.pixeen-tmp-XXXXXX`, 0600, O_EXCL, locked),
 * so that vault_file_abort_temporaries removes it on a signal and a later sweep after SIGKILL. Its
 * path goes to `tmp` (at least 4096 + 32 bytes). Returns the open fd, or -1 with errno; *slot is for
 * vault_file_temporary_release, which the writer calls once the temporary is renamed or unlinked and
 * before it closes fd (closing drops the lock that keeps sweepers off). */
int vault_file_temporary_create(const char *target, char *tmp, size_t size, int *slot);
void vault_file_temporary_release(int slot);

/* mkdir -p with mode 0700 for every folder it creates. */
pixeen_status vault_mkdirs(const char *path);

#endif
