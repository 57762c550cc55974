/* test_core.c — error messages, status names, the fp16/bf16 conversions, the bounded file read and
 * the memory a CPU driver is given (reserved, faulted in by a thread while written). */
#include "test.h"

#include "core/f16.h"
#include "core/file_read.h"
#include "core/platform.h"

static void test_errors(void) {
    CHECK(error_set(PIXEEN_ERROR_FORMAT, "npy: %s: bad magic", "x.npy") == PIXEEN_ERROR_FORMAT);
    CHECK(strcmp(error_message(), "npy: x.npy: bad magic") == 0);
    error_wrap(PIXEEN_ERROR_FORMAT, "loading '%s': ", "m");
    CHECK(strcmp(error_message(), "loading 'm': npy: x.npy: bad magic") == 0);
    CHECK(strcmp(pixeen_status_string(PIXEEN_ERROR_DECRYPT), "PIXEEN_ERROR_DECRYPT") == 0);
    CHECK(strcmp(pixeen_status_string((pixeen_status)12345), "PIXEEN_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(pixeen_version(), "0.1.0") == 0);
    error_clear();
    CHECK(error_message()[0] == '\0');
}

static void test_f16(void) {
    /* Every half value survives f16 -> f32 -> f16 (NaNs stay NaNs). */
    int mismatches = 0;
    for (unsigned h = 0; h < 65536; h++) {
        float f = f16_to_f32((uint16_t)h);
        uint16_t back = f32_to_f16(f);
        int is_nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff);
        if (is_nan ? !isnan(f) : back != h) mismatches++;
    }
    CHECK(mismatches == 0);
    CHECK(f32_to_f16(1.0f) == 0x3c00);
    CHECK(f32_to_f16(65504.0f) == 0x7bff);
    CHECK(f32_to_f16(65520.0f) == 0x7c00);      /* rounds up to inf */
    CHECK(f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00); /* tie to even (down) */
    CHECK(f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02); /* tie to even (up) */
    CHECK(f32_to_f16(5.96046448e-08f) == 0x0001);   /* smallest subnormal */
    CHECK(f32_to_f16(2.98023224e-08f) == 0x0000);   /* half of it: ties to even zero */
    CHECK(f32_to_f16(-0.0f) == 0x8000);
    CHECK(bf16_to_f32(0x3f80) == 1.0f);
    CHECK(bf16_to_f32(0xc040) == -3.0f);
}

/* core/file_read: the whole file, NUL-terminated; refused over the limit; a missing file says so. */
static void test_file_read(void) {
    char dir[] = "/tmp/pixeen-file-read-XXXXXX";
    if (!mkdtemp(dir)) {
        printf("file_read: cannot create a scratch folder: skipped\n");
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    for (int i = 0; i < 200000; i++) fputc('a' + i % 26, f); /* several 64 KiB pieces */
    fclose(f);
    char *text = NULL;
    size_t len = 0;
    CHECK(file_read_bounded(path, 200000, &text, &len) == FILE_READ_OK);
    CHECK(text && len == 200000 && text[199999] == 'a' + 199999 % 26 && text[200000] == 0);
    free(text);
    CHECK(file_read_bounded(path, 199999, &text, &len) == FILE_READ_TOO_LARGE);
    CHECK(text == NULL && len == 0);
    f = fopen(path, "wb");
    if (f) fclose(f);
    CHECK(file_read_bounded(path, 10, &text, &len) == FILE_READ_OK);
    CHECK(text && len == 0 && text[0] == 0);
    free(text);
    unlink(path);
    CHECK(file_read_bounded(path, 10, &text, &len) == FILE_READ_CANNOT_OPEN && errno == ENOENT);
    rmdir(dir);
}

/* The prefault thread makes pages present behind the writer's back and changes nothing in them:
 * what is written while it runs is what is read after; stopping it early joins it at once. */
static void test_memory_reserve(void) {
    const size_t size = (size_t)24 << 20; /* 12 huge pages: the thread is still going as we write */
    uint32_t *p = platform_memory_reserve(size);
    CHECK(p != NULL);
    if (!p) return;
#ifndef _WIN32
    CHECK(((uintptr_t)p & (((uintptr_t)2 << 20) - 1)) == 0); /* 2 MiB-aligned (Windows: 64 KiB) */
#endif
    CHECK(p[size / 4 - 1] == 0 && p[0] == 0);                  /* zeroed */
    platform_prefault *job = platform_memory_prefault_start(p, size);
    for (size_t i = 0; i < size / 4; i++) p[i] = (uint32_t)(i * 2654435761u);
    platform_memory_prefault_stop(job);
    size_t wrong = 0;
    for (size_t i = 0; i < size / 4; i++) wrong += p[i] != (uint32_t)(i * 2654435761u);
    CHECK(wrong == 0);
    platform_memory_prefault_stop(platform_memory_prefault_start(p, size)); /* stopped before it ends */
    platform_memory_prefault_stop(NULL);
    platform_memory_release(p, size);
    CHECK(platform_memory_reserve(0) == NULL);
}

int main(void) {
    test_errors();
    test_f16();
    test_file_read();
    test_memory_reserve();
    return test_finish();
}
