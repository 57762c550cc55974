/* test_api_models.c — pixeen_model_inspect and pixeen_tokenize_print (the CLI's inspect and
 * tokenize) on the committed tiny fixture: output content, timing, and the errors' wording. */
#define _GNU_SOURCE 1 /* memmem */
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "test.h"

static char *run_to_string(pixeen_status *st, int which, const void *arg, const char *prompt) {
    FILE *f = tmpfile();
    if (which == 0) *st = pixeen_model_inspect((const char *)arg, f);
    else *st = pixeen_tokenize_print((const pixeen_tokenize_desc *)arg, prompt, f);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) buf[0] = 0;
    fclose(f);
    return buf;
}

/* F17: metadata holding terminal escapes is printed escaped. The tiny model with its
 * {"format":"pt"} metadata rewritten to hold an OSC "set title" sequence and a CSI in UTF-8. */
static void test_inspect_escapes(const char *model) {
    FILE *in = fopen(model, "rb");
    CHECK(in != NULL);
    if (!in) return;
    fseek(in, 0, SEEK_END);
    size_t size = (size_t)ftell(in);
    rewind(in);
    char *file = malloc(size);
    CHECK(fread(file, 1, size, in) == size);
    fclose(in);
    uint64_t n = 0;
    memcpy(&n, file, 8);
    const char old_meta[] = "\"format\":\"pt\"";
    const char new_meta[] = "\"format\":\"\\u001b]0;pwned\\u0007 \\u009b31m red\"";
    char *at = memmem(file + 8, n, old_meta, sizeof old_meta - 1);
    CHECK(at != NULL);
    if (!at) {
        free(file);
        return;
    }
    size_t before = (size_t)(at - (file + 8)), after = n - before - (sizeof old_meta - 1);
    uint64_t n2 = before + (sizeof new_meta - 1) + after;
    size_t pad = (8 - n2 % 8) % 8;
    char path[4096];
    snprintf(path, sizeof path, "%s/escapes-XXXXXX.safetensors", getenv("PIXEEN_TEST_BIN") ? getenv("PIXEEN_TEST_BIN") : "/tmp");
    int fd = mkstemps(path, 12);
    CHECK(fd >= 0);
    FILE *out = fdopen(fd, "wb");
    uint64_t n3 = n2 + pad;
    fwrite(&n3, 8, 1, out);
    fwrite(file + 8, 1, before, out);
    fwrite(new_meta, 1, sizeof new_meta - 1, out);
    fwrite(at + sizeof old_meta - 1, 1, after, out);
    for (size_t i = 0; i < pad; i++) fputc(' ', out);
    fwrite(file + 8 + n, 1, size - 8 - n, out);
    fclose(out);
    free(file);
    pixeen_status st;
    char *text = run_to_string(&st, 0, path, NULL);
    CHECK_OK(st);
    CHECK(!strchr(text, '\033') && !strchr(text, '\007') && !strstr(text, "\xc2\x9b"));
    CHECK(strstr(text, "format = \\x1b]0;pwned\\x07 \\xc2\\x9b31m red"));
    free(text);
    unlink(path);
}

int main(void) {
    pixeen_status st;
    char model[4096];
    snprintf(model, sizeof model, "%s", test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"));
    double t0 = clock_wall_seconds();
    char *out = run_to_string(&st, 0, model, NULL);
    double ms = (clock_wall_seconds() - t0) * 1e3;
    CHECK_OK(st);
    CHECK(strstr(out, "family: SD 1.x") && strstr(out, "single file") && strstr(out, "unet: 1.43 M parameters") &&
          strstr(out, "F16") && strstr(out, "cross_attention_dim 32") && strstr(out, "format = pt") &&
          strstr(out, "position_ids"));
    CHECK(ms < 1000.0);
    free(out);
    test_inspect_escapes(model);
    out = run_to_string(&st, 0, "/nonexistent.safetensors", NULL);
    CHECK_STATUS(st, PIXEEN_ERROR_IO);
    free(out);

    pixeen_tokenize_desc d = {.model_path = model};
    out = run_to_string(&st, 1, &d, "a (photo:1.3) of a cat");
    CHECK_OK(st);
    CHECK(strstr(out, "tokens: 7 in 1 chunk") && strstr(out, "pho(x1.3)") &&
          strstr(out, "ids[0]: 998 320 816 531 539 320 66 536 999 999"));
    free(out);
    d = (pixeen_tokenize_desc){.tokenizer_dir = "/nonexistent", .plain = 1};
    out = run_to_string(&st, 1, &d, "a");
    CHECK_STATUS(st, PIXEEN_ERROR_TOKENIZER);
    CHECK(strstr(pixeen_last_error(), "vocab.json") != NULL);
    free(out);
    /* no tokenizer anywhere: the message says what to provide (XDG_DATA_HOME is set by ctest) */
    d = (pixeen_tokenize_desc){0};
    out = run_to_string(&st, 1, &d, "a");
    if (st != PIXEEN_OK) {
        CHECK_STATUS(st, PIXEEN_ERROR_TOKENIZER);
        CHECK(strstr(pixeen_last_error(), "--tokenizer DIR") && strstr(pixeen_last_error(), "pixeen/tokenizers/clip"));
    }
    free(out);
    return test_finish();
}
