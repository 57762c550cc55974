/* test_prompt_wipe.c — host buffers that held a prompt are wiped before they are freed: the
 * prompt's text, its token ids (as int32 sequences), its LoRA tag names. The test replaces free()
 * for the whole process (glibc: the executable's definition interposes on every caller, the
 * static libpixeen included) with one that scans each block being freed for those byte patterns,
 * then runs the prompt through every host stage (tag parsing, emphasis parsing, tokenizing,
 * chunking, padding) and releases the results. A control block freed unwiped must be found, so the
 * scan is shown to work. glibc only, and not under AddressSanitizer (which owns free itself). */
#include <malloc.h>
#include <stdint.h>

#include "test.h"
#include "text/prompt_extra.h"
#include "text/prompt_weights.h"
#include "text/tokenizer.h"
#include "text/tokenizer_builtin.h"
#include "core/secure_mem.h"

#if defined(__SANITIZE_ADDRESS__)
#define PIXEEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PIXEEN_ASAN 1
#endif
#endif

#if defined(__GLIBC__) && !defined(PIXEEN_ASAN)

void __libc_free(void *p); /* glibc's own free, under its internal name */

static const char marker[] = "zqxjvkwmarker";
static int scanning;
static int32_t marker_ids[16];
static size_t marker_id_count;
static int text_hits, id_hits;

static int contains(const uint8_t *block, size_t size, const void *pattern, size_t len) {
    for (size_t i = 0; len && i + len <= size; i++)
        if (block[i] == *(const uint8_t *)pattern && !memcmp(block + i, pattern, len)) return 1;
    return 0;
}

void free(void *p) {
    if (p && scanning) {
        size_t size = malloc_usable_size(p);
        text_hits += contains(p, size, marker, sizeof marker - 1);
        id_hits += contains(p, size, marker_ids, marker_id_count * sizeof *marker_ids);
    }
    __libc_free(p);
}

int main(void) {
    tokenizer *tok = NULL;
    CHECK_OK(tokenizer_load_builtin(false, &tok));
    if (!tok) return test_finish();
    int32_t *ids = NULL;
    size_t n = 0;
    CHECK_OK(tokenizer_encode(tok, marker, sizeof marker - 1, &ids, &n));
    CHECK(n >= 2 && n <= 16);
    marker_id_count = n < 16 ? n : 16;
    memcpy(marker_ids, ids, marker_id_count * sizeof *ids);
    __libc_free(ids);

    /* The control: a block freed without wiping is seen. */
    scanning = 1;
    /* (volatile: the compiler may not drop the unused malloc/free pairs) */
    char *volatile plain = malloc(64);
    snprintf(plain, 64, "before %s after", marker);
    free(plain);
    int32_t *volatile plain_ids = malloc(64 * sizeof *plain_ids);
    memcpy(plain_ids + 3, marker_ids, marker_id_count * sizeof *marker_ids);
    free(plain_ids);
    scanning = 0;
    CHECK(text_hits == 1 && id_hits == 1);
    text_hits = id_hits = 0;

    /* Every host stage of a prompt, long enough to need a second chunk, with emphasis, BREAK and a
     * LoRA tag named after the marker. */
    char prompt[4096];
    int len = snprintf(prompt, sizeof prompt, "a photo of %s, (%s:1.3) [%s] <lora:%s:0.5> BREAK %s", marker, marker,
                       marker, marker, marker);
    for (int i = 0; i < 30; i++) len += snprintf(prompt + len, sizeof prompt - (size_t)len, " %s,", marker);
    scanning = 1;
    prompt_extra extra;
    CHECK_OK(prompt_extra_parse(prompt, (size_t)len, &extra));
    prompt_chunks chunks;
    CHECK_OK(prompt_encode(tok, extra.text, extra.text_len, &chunks));
    CHECK(chunks.count >= 2);
    prompt_chunks_free(&chunks);
    int32_t padded[TOKENIZER_CONTEXT];
    CHECK_OK(tokenizer_encode_padded(tok, prompt, (size_t)len, padded, NULL));
    ids = NULL;
    n = 0;
    CHECK_OK(tokenizer_encode(tok, prompt, (size_t)len, &ids, &n));
    secure_free(ids, n * sizeof *ids);
    prompt_extra_free(&extra);
    scanning = 0;
    printf("freed blocks holding the prompt's text: %d, its token ids: %d (expected 0 and 0)\n", text_hits, id_hits);
    CHECK(text_hits == 0);
    CHECK(id_hits == 0);
    tokenizer_free(tok);
    return test_finish();
}

#else

int main(void) {
    TEST_SKIP("free() interposition needs glibc and no AddressSanitizer");
}

#endif
