/* test_privacy.c — nothing private reaches the disk unless asked: runs `pixeen generate` on the
 * tiny model with HOME, XDG_* and the working directory in a fresh temporary tree, then searches
 * every file created there for the prompt, the negative prompt and the PNG signature.
 *   1. no saving option: the prompt appears nowhere, no PNG exists (only shader caches are written);
 *   2. --save to a recipient: the one new file is an age file whose bytes hold neither prompt nor PNG;
 *   3. --save-plain: the explicit export is a PNG (and carries the prompt in its parameters);
 *   4. an edit of an age-encrypted photo (img2img and inpainting, with and without --save): no
 *      plaintext copy of the photo anywhere afterwards — no PNG, no run of its file's bytes, no
 *      row of its decoded pixels;

 *   5. signals mid-save (#15 F9/F10/F16), held there by an fsync wrapper (tests/preload): SIGINT,
 *      SIGTERM and SIGQUIT remove the temporary (SIGQUIT under `ulimit -c unlimited` dumps no core:
 *      RLIMIT_CORE is 0); what SIGKILL leaves is removed by the next save into that folder and by
 *      `history purge`; after each, no plaintext and no stray ciphertext anywhere. */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pixeen/pixeen.h>

#include "held_save.h"
#include "image/picture.h"
#include "test.h"

static char root[64] = "/tmp/pixeen-privacy-XXXXXX";
static const char *prompt = "zebra crossing in moonlight PRIVATE-7d1f";
static const char *negative = "blurry NEGATIVE-93ac";

/* Bytes of `needle` inside any file under `dir` (recursively): counts files that contain it. */
static int files_containing(const char *dir, const void *needle, size_t len, const char *skip_prefix) {
    int found = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            found += files_containing(path, needle, len, skip_prefix);
            continue;
        }
        if (skip_prefix && !strncmp(e->d_name, skip_prefix, strlen(skip_prefix))) continue;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *buf = malloc((size_t)st.st_size + 1);
        size_t n = fread(buf, 1, (size_t)st.st_size, f);
        fclose(f);
        for (size_t i = 0; i + len <= n; i++)
            if (!memcmp(buf + i, needle, len)) {
                found++;
                fprintf(stderr, "  found in %s\n", path);
                break;
            }
        free(buf);
    }
    closedir(d);
    return found;
}

static int run(const char *extra) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    char model[PATH_MAX], tok[PATH_MAX], cmd[16384];
    /* absolute paths: the command runs in another directory */
    CHECK(realpath(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), model) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/model/tokenizer"), tok) != NULL);
    snprintf(cmd, sizeof cmd,
             "cd %s/work && HOME=%s/home XDG_CONFIG_HOME=%s/config XDG_DATA_HOME=%s/data XDG_CACHE_HOME=%s/cache "
             "%s/src/pixeen generate -m '%s' --tokenizer '%s' -p '%s' -n '%s' -W 32 -H 32 --steps 2 -q %s",
             root, root, root, root, root, bin, model, tok, prompt, negative, extra);
    return system(cmd);
}

/* Files under `dir` (recursively) whose name starts with `prefix`. */
static int names_starting(const char *dir, const char *prefix) {
    int found = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) found += names_starting(path, prefix);
        else if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            fprintf(stderr, "  %s\n", path);
            found++;
        }
    }
    closedir(d);
    return found;
}

/* /proc/PID/limits while the child is held: whether Pixeen set RLIMIT_CORE to 0. */
static void read_core_limit(pid_t pid, void *user) {
    int *core_limit_zero = user;
    char limits[64], line[256];
    snprintf(limits, sizeof limits, "/proc/%d/limits", (int)pid);
    *core_limit_zero = 0;
    FILE *f = fopen(limits, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Max core file size", 18)) {
            unsigned long soft = 1, hard = 1;
            *core_limit_zero = sscanf(line + 18, "%lu %lu", &soft, &hard) == 2 && soft == 0 && hard == 0;
        }
    if (f) fclose(f);
}

/* Runs `pixeen ARGS` (in root/work, with the scratch environment) held still by the fsync
 * wrapper at its `pause_at`-th temporary file (held_save.h), then sends `sig`; returns the wait
 * status. The held temporary's path goes to temp. With `core`, the child starts as under
 * `ulimit -c unlimited` and *core_limit_zero says whether Pixeen set RLIMIT_CORE to 0. */
static int signalled_run(const char *args, int pause_at, int sig, int core, char *temp, size_t temp_size,
                         int *core_limit_zero) {
    char mark[256], cmd[20000];
    snprintf(mark, sizeof mark, "%s/pause-mark", root);
    snprintf(cmd, sizeof cmd,
             "cd %s/work && exec env HOME=%s/home XDG_CONFIG_HOME=%s/config XDG_DATA_HOME=%s/data "
             "XDG_CACHE_HOME=%s/cache %s/src/pixeen %s",
             root, root, root, root, root, getenv("PIXEEN_TEST_BIN"), args);
    return held_save_run(cmd, mark, pause_at, sig, core != 0, core_limit_zero ? read_core_limit : NULL,
                         core_limit_zero, temp, temp_size);
}

static const char generate_args_fmt[] = "generate -m '%s' --tokenizer '%s' -p '%s' -n '%s' -W 32 -H 32 --steps 2 -q %s";

/* F9/F10/F16: signals during saves leave no plaintext and no stray ciphertext anywhere. */
static void test_signals(const char *exe, const char *recipient) {
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    char model[PATH_MAX], tok[PATH_MAX], args[16384], extra[512], temp[4096], path[4200];
    CHECK(realpath(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), model) != NULL);
    CHECK(realpath(test_data_path("sd15-tiny/model/tokenizer"), tok) != NULL);
    struct stat st;
    int status;
    char cmd[8192];
    /* --history encrypts to the default identity */
    snprintf(cmd, sizeof cmd, "XDG_CONFIG_HOME=%s/config %s keygen >/dev/null 2>&1", root, exe);
    CHECK(system(cmd) == 0);

    /* 1. Ctrl-C while the plaintext export is being written (after a history entry was added) */
    snprintf(args, sizeof args, generate_args_fmt, model, tok, prompt, negative, "--history --save-plain p1.png");
    status = signalled_run(args, 2, SIGINT, 0, temp, sizeof temp, NULL);
    CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
    CHECK(temp[0] && lstat(temp, &st) != 0); /* the held temporary is gone */
    snprintf(path, sizeof path, "%s/work/p1.png", root);
    CHECK(lstat(path, &st) != 0);
    CHECK(names_starting(root, ".pixeen-tmp-") == 0);
    CHECK(files_containing(root, png_magic, 8, NULL) == 0);
    CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 0);

    /* 2. SIGKILL there cannot be handled: the plaintext temporary stays... */
    snprintf(args, sizeof args, generate_args_fmt, model, tok, prompt, negative, "--save-plain p2.png");
    status = signalled_run(args, 1, SIGKILL, 0, temp, sizeof temp, NULL);
    CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(temp[0] && lstat(temp, &st) == 0 && files_containing(root, png_magic, 8, NULL) == 1);
    char leftover[4096];
    snprintf(leftover, sizeof leftover, "%s", temp);

    /* 3. ...until the next save into that folder removes it. This run is stopped by SIGQUIT under
     * `ulimit -c unlimited` while its history entry is written: no core file, no temporary. */
    snprintf(extra, sizeof extra, "--save e3.png.age --recipient %s --history", recipient);
    snprintf(args, sizeof args, generate_args_fmt, model, tok, prompt, negative, extra);
    int core_zero = 0;
    /* the 3rd temporary flushed: step 2's leftover (wiped), e3's, then the history entry's */
    status = signalled_run(args, 3, SIGQUIT, 1, temp, sizeof temp, &core_zero);
    CHECK(core_zero); /* RLIMIT_CORE 0 while the prompt is in memory */
    CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGQUIT && !WCOREDUMP(status));
    CHECK(lstat(leftover, &st) != 0);
    CHECK(temp[0] && lstat(temp, &st) != 0);
    CHECK(names_starting(root, "core") == 0);
    snprintf(path, sizeof path, "%s/work/e3.png.age", root);
    CHECK(lstat(path, &st) == 0); /* written whole before the signal */
    CHECK(names_starting(root, ".pixeen-tmp-") == 0);
    CHECK(files_containing(root, png_magic, 8, NULL) == 0);
    CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 0);

    /* 4. SIGKILL during a history save leaves a decryptable temporary in the history folder;
     * `history purge` removes it with the entries: nothing is left there. */
    snprintf(args, sizeof args, generate_args_fmt, model, tok, prompt, negative, "--history");
    status = signalled_run(args, 1, SIGKILL, 0, temp, sizeof temp, NULL);
    CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(temp[0] && lstat(temp, &st) == 0);
    snprintf(cmd, sizeof cmd, "cd %s/work && XDG_CONFIG_HOME=%s/config XDG_DATA_HOME=%s/data %s history purge --yes",
             root, root, root, exe);
    CHECK(system(cmd) == 0);
    snprintf(path, sizeof path, "%s/data/pixeen/history", root);
    DIR *d = opendir(path);
    struct dirent *e;
    int entries = 0;
    while (d && (e = readdir(d)) != NULL) entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    CHECK(entries == 0);

    /* 5. SIGTERM while `pixeen open` writes the decrypted image */
    snprintf(args, sizeof args, "open e3.png.age -i %s/config/id.txt -o o5.png", root);
    status = signalled_run(args, 1, SIGTERM, 0, temp, sizeof temp, NULL);
    CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    CHECK(temp[0] && lstat(temp, &st) != 0);
    snprintf(path, sizeof path, "%s/work/o5.png", root);
    CHECK(lstat(path, &st) != 0);
    CHECK(names_starting(root, ".pixeen-tmp-") == 0);
    CHECK(files_containing(root, png_magic, 8, NULL) == 0);
    CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 0);
}

int main(void) {
    const char *bin = getenv("PIXEEN_TEST_BIN");
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/src/pixeen", bin ? bin : ".");
    if (!bin || access(exe, X_OK) != 0) TEST_SKIP("the pixeen executable is not built");
    if (!mkdtemp(root)) return 1;
    char sub[128];
    const char *dirs[] = {"work", "home", "config", "data", "cache"};
    for (int i = 0; i < 5; i++) {
        snprintf(sub, sizeof sub, "%s/%s", root, dirs[i]);
        mkdir(sub, 0700);
    }
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int rc = run("");
    if (rc != 0 && WEXITSTATUS(rc) == 1) {
        /* no Vulkan device: the generation cannot run here */
        char probe[4200];
        snprintf(probe, sizeof probe, "%s devices >/dev/null 2>&1", exe);
        if (system(probe) != 0) TEST_SKIP("no Vulkan device");
    }
    CHECK(rc == 0);
    CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 0);
    CHECK(files_containing(root, negative, strlen(negative), NULL) == 0);
    CHECK(files_containing(root, png_magic, 8, NULL) == 0);

    /* encrypted save to a recipient: a real age identity made by pixeen keygen */
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s keygen -o %s/config/id.txt >%s/config/recipient 2>/dev/null", exe, root, root);
    CHECK(system(cmd) == 0);
    char recipient[128] = "";
    snprintf(cmd, sizeof cmd, "%s/config/recipient", root);
    FILE *f = fopen(cmd, "r");
    if (f) {
        CHECK(fgets(recipient, sizeof recipient, f) != NULL);
        fclose(f);
    }
    recipient[strcspn(recipient, "\n")] = '\0';
    char extra[2048];
    snprintf(extra, sizeof extra, "--save out.png.age --recipient %s", recipient);
    CHECK(run(extra) == 0);
    snprintf(cmd, sizeof cmd, "%s/work/out.png.age", root);
    CHECK(access(cmd, R_OK) == 0);
    CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 0);
    CHECK(files_containing(root, png_magic, 8, NULL) == 0);
    /* an age-encrypted photo edited: decrypted in locked memory only */
    {
        char photo_src[PATH_MAX], photo[512], rid[256];
        CHECK(realpath(test_data_path("sd15-tiny/edit/input.png"), photo_src) != NULL);
        size_t n = 0;
        FILE *pf = fopen(photo_src, "rb");
        uint8_t *bytes = malloc(4096);
        n = pf ? fread(bytes, 1, 4096, pf) : 0;
        if (pf) fclose(pf);
        CHECK(n > 200);
        snprintf(photo, sizeof photo, "%s/work/photo.png.age", root);
        const char *to[1] = {recipient};
        CHECK_OK(pixeen_vault_seal_file(&(pixeen_seal_desc){.recipients = to, .recipient_count = 1}, bytes, n, photo));
        picture pic = {0};
        CHECK_OK(picture_decode(bytes, n, "photo", &pic));
        snprintf(rid, sizeof rid, "%s/config/id.txt", root);
        snprintf(extra, sizeof extra, "--init-image photo.png.age -i %s --strength 0.5", rid);
        CHECK(run(extra) == 0);
        snprintf(extra, sizeof extra, "--init-image photo.png.age -i %s --mask photo.png.age --strength 1 --save edit.png.age "
                 "--recipient %s", rid, recipient);
        CHECK(run(extra) == 0);
        CHECK(files_containing(root, png_magic, 8, NULL) == 0);
        CHECK(files_containing(root, bytes + n / 2, 48, NULL) == 0);      /* the file's compressed bytes */
        if (pic.rgba) CHECK(files_containing(root, pic.rgba->data + 32 * 64 * 4, 64, NULL) == 0); /* a pixel row (RGBA) */
        CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 0);
        picture_free(&pic);
        free(bytes);
    }

    test_signals(exe, recipient);
    /* and it opens, with the parameters inside */
    snprintf(cmd, sizeof cmd, "%s open %s/work/out.png.age -i %s/config/id.txt -o %s/work/opened.png", exe, root, root, root);
    CHECK(system(cmd) == 0);
    CHECK(files_containing(root, prompt, strlen(prompt), NULL) == 1);

    /* the explicit plaintext export */
    CHECK(run("--save-plain plain.png") == 0);
    snprintf(cmd, sizeof cmd, "%s/work/plain.png", root);
    CHECK(access(cmd, R_OK) == 0);

    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    CHECK(system(cmd) == 0);
    return test_finish();
}
