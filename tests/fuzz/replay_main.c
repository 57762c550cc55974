/* replay_main.c — runs a fuzz target over every file of a corpus folder, so ctest exercises the
 * fuzz targets in every build (libFuzzer itself only exists with clang and PIXEEN_FUZZ=ON).
 * Usage: fuzz_<parser>_replay CORPUS_DIR. Prints "N passed, 0 failed"; a crash fails the test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        fprintf(stderr, "%s: cannot open corpus folder %s\n", argv[0], argv[1]);
        return 1;
    }
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], entry->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
        if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
            fclose(f);
            free(data);
            fprintf(stderr, "cannot read %s\n", path);
            closedir(dir);
            return 1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(data, (size_t)size);
        free(data);
        count++;
    }
    closedir(dir);
    /* Empty inputs and a few synthetic ones are always replayed too. */
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    printf("%d passed, 0 failed\n", count + 1);
    return 0;
}
