/* cli_test.h — for tests that run the `pixeen` executable exactly as a user does: the executable
 * ($PIXEEN_TEST_BIN/src/pixeen; the test skips, exit 77, while it is not built), a scratch folder
 * the commands run in (removed at the end), their output files, and the mean difference of a
 * saved PNG from a fixture image. */
#ifndef PIXEEN_CLI_TEST_H
#define PIXEEN_CLI_TEST_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

/* a PNG reader for the checks only (the library writes PNGs; it decodes them through src/image) */
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
/* its unused static functions would be reported at the end of the including test: off there */
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_image.h>

#include "test.h"

static char cli_exe[1100], cli_dir[1024];

/* Finds the executable and makes the scratch folder cli-<name>-XXXXXX in the build folder. */
static inline void cli_test_begin(const char *name) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    snprintf(cli_exe, sizeof cli_exe, "%s/src/pixeen", bin ? bin : "build");
    if (access(cli_exe, X_OK) != 0) TEST_SKIP("the pixeen executable is not built yet");
    snprintf(cli_dir, sizeof cli_dir, "%s/cli-%s-XXXXXX", bin ? bin : "/tmp", name);
    if (!mkdtemp(cli_dir)) TEST_SKIP("cannot create a scratch folder");
}

/* Removes the scratch folder. */
static inline void cli_test_end(void);

/* Skips the test (exit 77, scratch folder removed) where `pixeen devices` finds no Vulkan device. */
static inline void cli_test_need_device(void) {
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "'%s' devices > /dev/null 2>&1", cli_exe);
    if (system(cmd) != 0) {
        cli_test_end();
        TEST_SKIP("no Vulkan device");
    }
}

/* Removes the scratch folder. */
static inline void cli_test_end(void) {
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cli_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", cli_dir);
}

/* Runs `pixeen ARGS` (printf-style) in the scratch folder with stdin from /dev/null, stdout into
 * out.txt and stderr into err.txt there. Returns the exit code (-1 if it did not exit). */
__attribute__((format(printf, 1, 2))) static inline int cli_run(const char *fmt, ...) {
    char args[16384], cmd[20000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof args) {
        fprintf(stderr, "cli_run: arguments too long\n");
        return -1;
    }
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s > out.txt 2> err.txt < /dev/null", cli_dir, cli_exe, args);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Runs a shell command line in the scratch folder (pipes, redirections, other programs), stderr
 * into err.txt there. Returns the exit code. */
static inline int cli_shell(const char *line) {
    char cmd[20000];
    snprintf(cmd, sizeof cmd, "cd '%s' && %s 2> err.txt", cli_dir, line);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#ifdef PIXEEN_FSYNC_PAUSE_LIB
#include "held_save.h"
/* Runs `pixeen ARGS` in the scratch folder held at its first save's temporary (held_save.h), sends
 * `sig` there, and returns the wait status (-1 if it ended before it was held). The held
 * temporary's path goes to temp. */
static inline int cli_run_signalled_mid_save(const char *args, int sig, char *temp, size_t temp_size) {
    char mark[1200], cmd[20000];
    snprintf(mark, sizeof mark, "%s/pause-mark", cli_dir);
    snprintf(cmd, sizeof cmd, "cd '%s' && exec '%s' %s > out.txt 2> err.txt < /dev/null", cli_dir, cli_exe, args);
    return held_save_run(cmd, mark, 1, sig, false, NULL, NULL, temp, temp_size);
}
#endif

/* The scratch folder's file `name` (a static buffer, valid until the next call). */
static inline const char *cli_path(const char *name) {
    static char path[1300];
    snprintf(path, sizeof path, "%s/%s", cli_dir, name);
    return path;
}

/* Reads at most cap - 1 bytes of the scratch file `name` into buf, NUL-terminated (empty if
 * absent). Returns the length. */
static inline size_t cli_slurp(const char *name, char *buf, size_t cap) {
    FILE *f = fopen(cli_path(name), "rb");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    return n;
}

/* Whether the last command's stderr contains `text`; prints it when not. */
static inline bool cli_err_contains(const char *text) {
    char err[16384];
    cli_slurp("err.txt", err, sizeof err);
    bool found = strstr(err, text) != NULL;
    if (!found) fprintf(stderr, "  expected '%s' in: %s\n", text, err);
    return found;
}

/* Prints the last command's stderr (after a failure). */
static inline void cli_show_err(const char *what) {
    char err[8192];
    cli_slurp("err.txt", err, sizeof err);
    fprintf(stderr, "%s: %s\n", what, err);
}

/* Whether the scratch folder has a file `name`. */
static inline bool cli_exists(const char *name) {
    return access(cli_path(name), F_OK) == 0;
}

/* The whole scratch file `name` (or an absolute path), malloc'ed; NULL if it cannot be read. */
static inline uint8_t *cli_read(const char *name, size_t *size) {
    char path[sizeof cli_dir + 2 * PATH_MAX];
    if (name[0] == '/') snprintf(path, sizeof path, "%s", name);
    else snprintf(path, sizeof path, "%s/%s", cli_dir, name);
    FILE *f = fopen(path, "rb");
    *size = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = n >= 0 ? malloc((size_t)n + 1) : NULL;
    *size = d ? fread(d, 1, (size_t)n, f) : 0;
    fclose(f);
    return d;
}

/* The scratch PNG `name` as w*h*3 RGB bytes (free with stbi_image_free); NULL if missing. */
static inline unsigned char *cli_png_rgb(const char *name, int *w, int *h) {
    int c = 0;
    return stbi_load(cli_path(name), w, h, &c, 3);
}

/* Mean |a - b| over RGB on [0, 1] of two scratch PNGs of w x h; 1.0 if either is missing or of
 * another size. */
static inline double cli_png_pair_diff(const char *a, const char *b, int w, int h) {
    int aw = 0, ah = 0, bw = 0, bh = 0;
    unsigned char *pa = cli_png_rgb(a, &aw, &ah), *pb = cli_png_rgb(b, &bw, &bh);
    bool ok = pa && pb && aw == w && ah == h && bw == w && bh == h;
    double sum = 0;
    for (size_t i = 0; ok && i < (size_t)w * h * 3; i++) sum += abs((int)pa[i] - (int)pb[i]) / 255.0;
    stbi_image_free(pa);
    stbi_image_free(pb);
    return ok ? sum / ((double)w * h * 3) : 1.0;
}

/* Mean |png - ref| over RGB on [0, 1]: the scratch PNG `name` against `ref` (w*h*3 floats on
 * [0, 1], rows top to bottom, as the fixtures store images). 1.0 if the PNG is missing or of
 * another size. */
static inline double cli_png_mean_diff(const char *name, const float *ref, int w, int h) {
    int pw = 0, ph = 0, pc = 0;
    unsigned char *img = stbi_load(cli_path(name), &pw, &ph, &pc, 3);
    bool ok = img && ref && pw == w && ph == h;
    double sum = 0;
    for (size_t i = 0; ok && i < (size_t)w * h * 3; i++) sum += fabs(img[i] / 255.0 - ref[i]);
    stbi_image_free(img);
    return ok ? sum / ((double)w * h * 3) : 1.0;
}

#endif
