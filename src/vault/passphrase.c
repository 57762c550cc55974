/* passphrase.c — passphrase entry without echo (see passphrase.h). The terminal's settings are
 * restored before returning, on every path. Entry point: vault_passphrase_read. */
#include "vault/passphrase.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>

#include "core/platform.h"
#include "vault/keys.h"

/* The terminal's settings while echo is off, for vault_passphrase_abort: a Ctrl-C at the prompt
 * ends the process through a signal handler, and the shell would otherwise be left without echo. */
static platform_tty_state tty_saved;
static volatile sig_atomic_t tty_saved_fd = -1;

void vault_passphrase_abort(void) {
    int fd = tty_saved_fd;
    if (fd >= 0) platform_tty_restore_now(fd, &tty_saved); /* async-signal-safe */
}

/* Reads one line from the terminal `fd` into s (without the newline). */
static pixeen_status tty_line(int fd, const char *prompt, vault_secret *s) {
    platform_tty_state old;
    /* Echo goes off before the prompt appears, so nothing typed in answer to it is ever echoed. */
    int have_termios = platform_tty_save(fd, &old);
    if (have_termios) {
        tty_saved = old;
        tty_saved_fd = fd; /* set before echo goes off: a signal from here on restores it */
        platform_tty_echo_off(fd, &old);
    }
    s->len = 0;
    pixeen_status status = PIXEEN_OK;
    if (write(fd, prompt, strlen(prompt)) < 0) status = error_set(PIXEEN_ERROR_IO, "vault: cannot write the prompt");
    char c = 0;
    while (status == PIXEEN_OK) {
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || c == '\n' || c == '\r') break;
        if (vault_secret_append(s, &c, 1)) {
            status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: passphrase longer than %d bytes",
                               VAULT_PASSPHRASE_MAX);
            break;
        }
    }
    sodium_memzero(&c, sizeof c);
    if (have_termios) {
        platform_tty_restore(fd, &old);
        tty_saved_fd = -1;
    }
    ssize_t echoed = write(fd, "\n", 1); /* the newline the user typed was not echoed */
    (void)echoed;
    return status;
}

pixeen_status vault_passphrase_read(const char *file, const char *prompt, int confirm, vault_secret **out) {
    *out = NULL;
    vault_secret *s = NULL;
    pixeen_status status;
    if (file) {
        vault_secret *text = NULL;
        PX_TRY(vault_file_read_secret(file, VAULT_PASSPHRASE_MAX + 2, &text));
        size_t n = 0;
        while (n < text->len && text->data[n] != '\n') n++;
        if (n > 0 && text->data[n - 1] == '\r') n--;
        status = vault_secret_create(VAULT_PASSPHRASE_MAX, &s);
        if (status == PIXEEN_OK && vault_secret_append(s, text->data, n))
            status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: passphrase in %s is too long", file);
        vault_secret_destroy(text);
    } else {
        int fd = platform_tty_open();
        if (fd < 0)
            return error_set(PIXEEN_ERROR_IO, "vault: no terminal to ask for the passphrase (%s); use "
                             "--passphrase-file", strerror(errno));
        status = vault_secret_create(VAULT_PASSPHRASE_MAX, &s);
        if (status == PIXEEN_OK) status = tty_line(fd, prompt ? prompt : "Passphrase: ", s);
        if (status == PIXEEN_OK && confirm) {
            vault_secret *again = NULL;
            status = vault_secret_create(VAULT_PASSPHRASE_MAX, &again);
            if (status == PIXEEN_OK) status = tty_line(fd, "Confirm passphrase: ", again);
            if (status == PIXEEN_OK &&
                (again->len != s->len || sodium_memcmp(again->data, s->data, s->len) != 0))
                status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: the passphrases do not match");
            vault_secret_destroy(again);
        }
        close(fd);
    }
    if (status == PIXEEN_OK && s->len == 0)
        status = error_set(PIXEEN_ERROR_INVALID_ARGUMENT, "vault: empty passphrase");
    if (status != PIXEEN_OK) {
        vault_secret_destroy(s);
        return status;
    }
    *out = s;
    return PIXEEN_OK;
}
