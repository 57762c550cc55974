/* passphrase.h — getting a passphrase into locked memory: from a file (its first line) or from
 * the controlling terminal with echo off (termios). Leaves out: GUI pinentry. Entry point:
 * vault_passphrase_read. */
#ifndef PIXEEN_VAULT_PASSPHRASE_H
#define PIXEEN_VAULT_PASSPHRASE_H

#include "core/error.h"
#include "vault/secret.h"

/* 1 KiB: longer than any passphrase a person types or a password manager generates. */
#define VAULT_PASSPHRASE_MAX 1024

/* Reads the passphrase from `file` (first line, without its LF/CRLF) when non-NULL, else from
 * /dev/tty showing `prompt` (and asking again to confirm when `confirm`). The result is a
 * NUL-terminated secret. PIXEEN_ERROR_INVALID_ARGUMENT if empty or the two entries differ,
 * PIXEEN_ERROR_IO without a terminal. */
pixeen_status vault_passphrase_read(const char *file, const char *prompt, int confirm, vault_secret **out);

/* Async-signal-safe: gives the terminal its settings back (echo on) if a prompt is waiting for a
 * passphrase now; for a signal handler about to end the process (pixeen_saves_abort calls it). */
void vault_passphrase_abort(void);

#endif
