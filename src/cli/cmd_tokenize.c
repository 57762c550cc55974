/* cmd_tokenize.c — `pixeen tokenize [-m MODEL | --tokenizer DIR] [--plain] PROMPT`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_tokenize(int argc, char **argv) {
    pixeen_tokenize_desc desc = {0};
    const char *prompt = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "-m") || !strcmp(a, "--model")) && i + 1 < argc) {
            desc.model_path = argv[++i];
        } else if (!strcmp(a, "--tokenizer") && i + 1 < argc) {
            desc.tokenizer_dir = argv[++i];
        } else if (!strcmp(a, "--plain")) {
            desc.plain = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: pixeen tokenize [-m MODEL | --tokenizer DIR] [--plain] PROMPT\n"
                   "Prints the CLIP token count, the BPE pieces (with emphasis weights) and the 77 ids of each\n"
                   "chunk. Prompt syntax as AUTOMATIC1111: (word) x1.1, (word:1.3), [word] /1.1, \\( literal,\n"
                   "BREAK; --plain takes the text literally.\n"
                   "The tokenizer (vocab.json + merges.txt) comes from --tokenizer DIR, else the model's\n"
                   "tokenizer/ folder (or a diffusers folder beside a single-file checkpoint), else\n"
                   "$XDG_DATA_HOME/pixeen/tokenizers/clip/ (~/.local/share/pixeen/tokenizers/clip/), else the\n"
                   "built-in CLIP vocabulary (OpenAI's, every SD family's), so a lone checkpoint needs nothing.\n");
            return 0;
        } else if (a[0] == '-' && a[1] != 0) {
            fprintf(stderr, "pixeen tokenize: unknown option '%s'\n", a);
            return 2;
        } else if (prompt) {
            fprintf(stderr, "pixeen tokenize: give the prompt as one argument (quote it)\n");
            return 2;
        } else {
            prompt = a;
        }
    }
    if (!prompt) {
        fprintf(stderr, "usage: pixeen tokenize [-m MODEL | --tokenizer DIR] [--plain] PROMPT\n");
        return 2;
    }
    pixeen_status status = pixeen_tokenize_print(&desc, prompt, stdout);
    if (status != PIXEEN_OK) return cli_fail(status, "tokenize");
    return 0;
}
