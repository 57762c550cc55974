/* test_vault_passphrase.c — passphrase entry on a terminal: a child process with a new
 * pseudo-terminal as its controlling terminal calls pixeen_passphrase_read (with confirmation);
 * the test types the passphrase twice and checks that the child got it and that the terminal never
 * echoed it. Also a mismatching confirmation, Ctrl-C at the prompt (the terminal gets its echo
 * back), and reading from a file. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

/* Runs pixeen_passphrase_read in a child on a new terminal, typing first/second at the prompts.
 * Returns the child's result: 0 = got `first`, 1 = error, other = failure; *echoed set if the
 * terminal output contained `first`. */
static int run_child(const char *first, const char *second, int *echoed) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) return -1;
    char name[256];
    snprintf(name, sizeof name, "%s", ptsname(master));
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int slave = open(name, O_RDWR);
        if (slave < 0) _exit(3);
        close(master);
        pixeen_secret *p = NULL;
        pixeen_status s = pixeen_passphrase_read(NULL, "Passphrase: ", 1, &p);
        if (s != PIXEEN_OK) _exit(1);
        int same = pixeen_secret_size(p) == strlen(first) && !memcmp(pixeen_secret_data(p), first, strlen(first));
        pixeen_secret_destroy(p);
        _exit(same ? 0 : 2);
    }
    char seen[2048];
    size_t len = 0;
    int typed = 0, status = -1;
    time_t start = time(NULL);
    while (time(NULL) - start < 10) { /* 10 s: the exchange takes milliseconds */
        struct pollfd pfd = {master, POLLIN, 0};
        if (poll(&pfd, 1, 50) > 0) {
            ssize_t n = read(master, seen + len, sizeof seen - 1 - len);
            if (n > 0) len += (size_t)n;
            else usleep(10000); /* hang-up or EIO while the child finishes: do not spin */
            seen[len] = 0;
            int prompts = (strstr(seen, "Passphrase: ") != NULL) + (strstr(seen, "Confirm passphrase: ") != NULL);
            while (typed < prompts) {
                const char *t = typed == 0 ? first : second;
                if (write(master, t, strlen(t)) < 0 || write(master, "\n", 1) < 0) break;
                typed++;
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) break;
        status = -1;
    }
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    close(master);
    *echoed = strstr(seen, first) != NULL;
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Ctrl-C at the prompt of a process protected as the CLI is (pixeen_process_protect's handlers):
 * the process ends by SIGINT and the terminal has echo on again. Returns 1 when both hold. */
static int interrupted_prompt_restores_echo(void) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) return 0;
    char name[256];
    snprintf(name, sizeof name, "%s", ptsname(master));
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int slave = open(name, O_RDWR); /* the first terminal a session leader opens becomes its own */
        if (slave < 0) _exit(3);
        close(master);
        if (pixeen_process_protect(1) != PIXEEN_OK) _exit(4);
        pixeen_secret *p = NULL;
        pixeen_passphrase_read(NULL, "Passphrase: ", 0, &p);
        _exit(5); /* not reached: Ctrl-C ends the process */
    }
    char seen[512];
    size_t len = 0;
    int status = -1, sent = 0;
    time_t start = time(NULL);
    while (time(NULL) - start < 10) {
        struct pollfd pfd = {master, POLLIN, 0};
        if (poll(&pfd, 1, 50) > 0) {
            ssize_t n = read(master, seen + len, sizeof seen - 1 - len);
            if (n > 0) len += (size_t)n;
            else usleep(10000);
            seen[len] = 0;
        }
        if (!sent && strstr(seen, "Passphrase: ")) {
            struct termios t;
            if (tcgetattr(master, &t) != 0 || (t.c_lflag & ECHO)) break; /* echo must be off at the prompt */
            sent = write(master, "sea\003", 4) == 4;                      /* half a passphrase, then Ctrl-C */
        }
        if (waitpid(pid, &status, WNOHANG) == pid) break;
        status = -1;
    }
    if (status == -1) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    struct termios after;
    int echo_on = tcgetattr(master, &after) == 0 && (after.c_lflag & ECHO);
    close(master);
    return sent && status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGINT && echo_on;
}

int main(void) {
    int echoed = 1;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) TEST_SKIP("no pseudo-terminals here");
    close(master);
    CHECK(run_child("sea glass 42", "sea glass 42", &echoed) == 0);
    CHECK(!echoed);
    CHECK(run_child("sea glass 42", "sea glass 43", &echoed) == 1);
    CHECK(interrupted_prompt_restores_echo());

    char path[] = "/tmp/pixeen-pass-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "from file\r\nnext", 15) == 15);
    close(fd);
    pixeen_secret *p = NULL;
    CHECK_OK(pixeen_passphrase_read(path, NULL, 0, &p));
    CHECK(p && !strcmp((const char *)pixeen_secret_data(p), "from file"));
    pixeen_secret_destroy(p);
    fd = open(path, O_WRONLY | O_TRUNC);
    close(fd);
    CHECK_STATUS(pixeen_passphrase_read(path, NULL, 0, &p), PIXEEN_ERROR_INVALID_ARGUMENT);
    unlink(path);
    return test_finish();
}
