/* history.h — the opt-in generation history: one age file per image, named ID.age, in
 * $XDG_DATA_HOME/pixeen/history (else ~/.local/share/pixeen/history), folder mode 0700.
 * Leaves out: an index file (the folder listing is the index, so nothing about an entry exists
 * outside its own encrypted file). Entry points: vault_history_* (the public pixeen_history_*). */
#ifndef PIXEEN_VAULT_HISTORY_H
#define PIXEEN_VAULT_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

pixeen_status vault_history_dir(char *buf, size_t size);
pixeen_status vault_history_add(const uint8_t *png, size_t size, const char *recipient, char *id);
pixeen_status vault_history_list(const char *identity_file, pixeen_history_fn fn, void *user);
pixeen_status vault_history_export(const char *identity_file, const char *id, const char *dir,
                                   const pixeen_seal_desc *reseal);
pixeen_status vault_history_delete(const char *id);
pixeen_status vault_history_purge(void);

#endif
