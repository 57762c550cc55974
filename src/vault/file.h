/* file.h — writing files so that nothing is lost and nothing partial is left: a temporary file in
 * the target's folder (mode 0600, O_EXCL), written and fsync'ed, renamed (or linked, when
 * overwriting is not allowed) over the target, then the folder fsync'ed. Any failure removes the
 * temporary file. Leaves out: Windows. Entry points: vault_file_write_atomic, vault_file_read. */
#ifndef PIXEEN_VAULT_FILE_H
#define PIXEEN_VAULT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Writes `len` bytes to `path` atomically with mode 0600. Without `force` an existing file is
 * never replaced (PIXEEN_ERROR_EXISTS); with it, it is replaced atomically. PIXEEN_ERROR_IO with
 * the system's reason on any failure, and then neither a partial target nor a temporary remains. */
pixeen_status vault_file_write_atomic(const char *path, const uint8_t *data, size_t len, int force);

/* Reads a whole (non-secret) file into malloc'ed memory, at most `max` bytes. */
pixeen_status vault_file_read(const char *path, size_t max, uint8_t **data, size_t *len);

/* mkdir -p with mode 0700 for every folder it creates. */
pixeen_status vault_mkdirs(const char *path);

#endif
