/* test_lora_file.c — the host side of LoRA, no GPU: the <lora:...> tag parser (A1111's rules,
 * bad weights, bounds), the LoRA file reader on the fixture (kohya names, rank 4, alpha 2) and on
 * crafted files (PEFT halves, LoCon, every refusal: a missing half, ranks that disagree, LyCORIS
 * algebra, no module, a non-scalar alpha), truncated and bit-flipped files, the name map of the
 * tiny model (every fixture module finds its layer; original-layout and PEFT names), and the
 * LoRA folder lookup (sub-folders, pickles refused, names that leave the folder refused). */
#include <sys/stat.h>
#include <unistd.h>

#include "models/lora_file.h"
#include "models/lora_names.h"
#include "pipeline/extra_files.h"
#include "st_write.h"
#include "test.h"
#include "text/prompt_extra.h"

static void test_tags(void) {
    prompt_extra e;
    CHECK_OK(prompt_extra_parse("a <lora:foo:0.8> cat", 20, &e));
    CHECK(!strcmp(e.text, "a  cat") && e.lora_count == 1 && !strcmp(e.loras[0].name, "foo"));
    CHECK(e.loras[0].te_weight == 0.8f && e.loras[0].unet_weight == 0.8f);
    prompt_extra_free(&e);

    const char *many = "<lora:a><lora:b:0.5:0.25><lyco:c:te=0.3:unet=0.7><lora:d:2:unet=-1> <hypernet:x:1>!";
    CHECK_OK(prompt_extra_parse(many, strlen(many), &e));
    CHECK(e.lora_count == 4 && e.skipped == 1 && !strcmp(e.text, " !"));
    CHECK(e.loras[0].te_weight == 1.0f && e.loras[0].unet_weight == 1.0f);
    CHECK(e.loras[1].te_weight == 0.5f && e.loras[1].unet_weight == 0.25f);
    CHECK(e.loras[2].te_weight == 0.3f && e.loras[2].unet_weight == 0.7f && !strcmp(e.loras[2].name, "c"));
    CHECK(e.loras[3].te_weight == 2.0f && e.loras[3].unet_weight == -1.0f);
    prompt_extra_free(&e);

    /* not tags: left as text */
    const char *plain = "a < b > c <lora:> <:x> <lora x:1> (word:1.2)";
    CHECK_OK(prompt_extra_parse(plain, strlen(plain), &e));
    CHECK(e.lora_count == 0 && e.skipped == 0 && !strcmp(e.text, plain));
    prompt_extra_free(&e);
    CHECK_OK(prompt_extra_parse("", 0, &e));
    CHECK(e.text_len == 0 && e.text[0] == 0);
    prompt_extra_free(&e);

    /* errors name the tag */
    CHECK_STATUS(prompt_extra_parse("x <lora:foo:abc> y", 18, &e), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(error_message(), "<lora:foo:abc>") != NULL);
    CHECK_STATUS(prompt_extra_parse("<lora::1>", 9, &e), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(prompt_extra_parse("<lora:x:nan>", 12, &e), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(prompt_extra_parse("<lora:x:1e30>", 13, &e), PIXEEN_ERROR_INVALID_ARGUMENT);
    char text[2000] = "";
    for (int i = 0; i <= PROMPT_EXTRA_MAX_TAGS; i++) strcat(text, "<lora:a:1>");
    CHECK_STATUS(prompt_extra_parse(text, strlen(text), &e), PIXEEN_ERROR_INVALID_ARGUMENT);
    char name[300] = "<lora:";
    memset(name + 6, 'n', 260);
    strcpy(name + 266, ":1>");
    CHECK_STATUS(prompt_extra_parse(name, strlen(name), &e), PIXEEN_ERROR_INVALID_ARGUMENT);
}

static lora_file *open_bytes(const st_entry *e, size_t n, uint8_t **bytes, pixeen_status *st) {
    size_t size = st_build(e, n, bytes);
    lora_file *f = NULL;
    *st = lora_file_open_memory(*bytes, size, "crafted", &f);
    return f;
}

static void test_crafted(void) {
    float v[64];
    for (int i = 0; i < 64; i++) v[i] = 0.01f * (float)i;
    uint8_t *b = NULL;
    pixeen_status st;
    /* PEFT halves, no alpha: alpha = rank */
    st_entry peft[] = {{"unet.a.lora_A.weight", "F32", 2, {3, 5}, v}, {"unet.a.lora_B.weight", "F16", 2, {7, 3}, v}};
    lora_file *f = open_bytes(peft, 2, &b, &st);
    CHECK(st == PIXEEN_OK && f && f->count == 1 && !strcmp(f->modules[0].base, "unet.a"));
    CHECK(f && f->modules[0].rank == 3 && f->modules[0].alpha == 3.0f);
    lora_file_close(f);
    free(b);
    /* LoCon: a 3x3 down, a 1x1 up, an alpha, and one stray tensor */
    st_entry locon[] = {{"lora_unet_c.alpha", "F16", 0, {0}, v + 8},
                        {"lora_unet_c.lora_down.weight", "F16", 4, {2, 3, 3, 3}, v},
                        {"lora_unet_c.lora_up.weight", "F16", 4, {5, 2, 1, 1}, v},
                        {"something.else", "F32", 1, {2}, v}};
    f = open_bytes(locon, 4, &b, &st);
    CHECK(st == PIXEEN_OK && f && f->count == 1 && f->stray == 1 && !strcmp(f->first_stray[0], "something.else"));
    CHECK(f && f->modules[0].rank == 2 && f->modules[0].alpha == f16_to_f32(f32_to_f16(0.08f)));
    lora_file_close(f);
    free(b);
    /* diffusers' attention-processor halves */
    st_entry proc[] = {{"unet.a.attn1.processor.to_q_lora.down.weight", "F16", 2, {2, 5}, v},
                       {"unet.a.attn1.processor.to_q_lora.up.weight", "F16", 2, {5, 2}, v}};
    f = open_bytes(proc, 2, &b, &st);
    CHECK(st == PIXEEN_OK && f && f->count == 1 && !strcmp(f->modules[0].base, "unet.a.attn1.processor.to_q_lora"));
    lora_file_close(f);
    free(b);
    /* refusals */
    struct {
        st_entry e[3];
        size_t n;
        pixeen_status want;
        const char *says;
    } bad[] = {
        {{{"lora_unet_x.lora_down.weight", "F16", 2, {2, 3}, v}}, 1, PIXEEN_ERROR_FORMAT, "no up half"},
        {{{"lora_unet_x.lora_down.weight", "F16", 2, {2, 3}, v}, {"lora_unet_x.lora_up.weight", "F16", 2, {4, 3}, v}},
         2, PIXEEN_ERROR_FORMAT, "down [2, 3] and up [4, 3]"},
        {{{"lora_unet_x.hada_w1_a", "F16", 2, {2, 3}, v}}, 1, PIXEEN_ERROR_UNSUPPORTED, "LoHa"},
        {{{"lora_unet_x.lora_mid.weight", "F16", 4, {2, 2, 3, 3}, v}}, 1, PIXEEN_ERROR_UNSUPPORTED, "Tucker"},
        {{{"model.weight", "F16", 2, {2, 3}, v}}, 1, PIXEEN_ERROR_FORMAT, "no LoRA module"},
        {{{"lora_unet_x.lora_down.weight", "F16", 2, {2, 3}, v}, {"lora_unet_x.lora_up.weight", "F16", 2, {4, 2}, v},
          {"lora_unet_x.alpha", "F16", 1, {2}, v}},
         3, PIXEEN_ERROR_FORMAT, "holds 2 values"},
        {{{"lora_unet_x.lora_down.weight", "F16", 3, {2, 3, 1}, v}, {"lora_unet_x.lora_up.weight", "F16", 2, {4, 2}, v}},
         2, PIXEEN_ERROR_FORMAT, "expected down [R, K]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = open_bytes(bad[i].e, bad[i].n, &b, &st);
        bool ok = st == bad[i].want && !f && strstr(error_message(), bad[i].says);
        if (!ok) fprintf(stderr, "case %zu: %s: %s\n", i, pixeen_status_string(st), error_message());
        CHECK(ok);
        free(b);
    }
}

static uint8_t *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*size);
    if (fread(b, 1, *size, f) != *size) *size = 0;
    fclose(f);
    return b;
}

static void test_fixture_and_corruption(void) {
    char path[4096];
    snprintf(path, sizeof path, "%s", test_data_path("lora/sd15-tiny-lora.safetensors"));
    lora_file *f = NULL;
    CHECK_OK(lora_file_open(path, &f));
    CHECK(f && f->count == 102 && f->stray == 0);
    for (size_t i = 0; f && i < f->count; i++) CHECK(f->modules[i].rank == 4 && f->modules[i].alpha == 2.0f);
    /* every module names a layer of the tiny model */
    model *m = NULL;
    lora_name_map *map = NULL;
    CHECK_OK(model_open(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), &m));
    CHECK_OK(lora_name_map_build(m, &map));
    size_t found = 0;
    model_component c;
    const char *w;
    for (size_t i = 0; f && i < f->count; i++) found += lora_name_map_find(map, f->modules[i].base, &c, &w);
    CHECK(found == 102);
    CHECK(lora_name_map_find(map, "lora_unet_mid_block_attentions_0_proj_in", &c, &w) && c == MODEL_UNET &&
          !strcmp(w, "mid_block.attentions.0.proj_in.weight"));
    /* the same layer by its original-layout name (kohya's SDXL convention) and by PEFT's */
    CHECK(lora_name_map_find(map, "lora_unet_middle_block_1_proj_in", &c, &w) && !strcmp(w, "mid_block.attentions.0.proj_in.weight"));
    CHECK(lora_name_map_find(map, "unet.mid_block.attentions.0.proj_in", &c, &w) && c == MODEL_UNET);
    CHECK(lora_name_map_find(map, "text_encoder.text_model.encoder.layers.1.mlp.fc2", &c, &w) && c == MODEL_TEXT_ENCODER &&
          !strcmp(w, "text_model.encoder.layers.1.mlp.fc2.weight"));
    CHECK(lora_name_map_find(map, "unet.mid_block.attentions.0.transformer_blocks.0.attn1.processor.to_out_lora", &c, &w) &&
          !strcmp(w, "mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0.weight"));
    CHECK(lora_name_map_find(map, "lora_unet_conv_in", &c, &w) && !strcmp(w, "conv_in.weight")); /* a 3x3 conv: LoCon */
    CHECK(!lora_name_map_find(map, "lora_te2_text_model_encoder_layers_0_mlp_fc1", &c, &w)); /* SDXL's, not here */
    CHECK(!lora_name_map_find(map, "lora_te_text_model_embeddings_token_embedding", &c, &w));
    lora_name_map_free(map);
    model_close(m);
    lora_file_close(f);

    /* truncated at many lengths, and bytes flipped: an error or a valid file, never a crash */
    size_t size = 0;
    uint8_t *bytes = slurp(path, &size);
    CHECK(bytes && size > 1000);
    size_t cuts[] = {0, 1, 7, 8, 9, 64, 500, size / 2, size - 8, size - 1};
    for (size_t i = 0; bytes && i < sizeof cuts / sizeof cuts[0]; i++) {
        f = NULL;
        CHECK(lora_file_open_memory(bytes, cuts[i], "cut", &f) != PIXEEN_OK && f == NULL);
    }
    unsigned seed = 12345;
    size_t opened = 0;
    for (int k = 0; bytes && k < 300; k++) {
        uint8_t *copy = malloc(size);
        memcpy(copy, bytes, size);
        for (int j = 0; j < 3; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % (k < 200 ? 8 + 20000 : size); /* mostly the header */
            copy[at] ^= (uint8_t)(1u << ((seed >> 4) % 8));
        }
        f = NULL;
        if (lora_file_open_memory(copy, size, "flipped", &f) == PIXEEN_OK) {
            opened++;
            lora_file_close(f);
        }
        free(copy);
    }
    printf("bit flips: %zu of 300 still opened (the rest refused with a message)\n", opened);
    free(bytes);
}

static void test_folder(void) {
    char dir[] = "/tmp/pixeen-loras-XXXXXX", path[4096], sub[4200];
    CHECK(mkdtemp(dir) != NULL);
    float v[1] = {0};
    st_entry e[] = {{"x", "F32", 1, {1}, v}};
    snprintf(path, sizeof path, "%s/alpha.safetensors", dir);
    CHECK(st_write(path, e, 1));
    snprintf(sub, sizeof sub, "%s/styles", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/styles/beta.safetensors", dir);
    CHECK(st_write(path, e, 1));
    snprintf(path, sizeof path, "%s/gamma.pt", dir);
    CHECK(st_write(path, e, 1));
    char out[4096];
    bool found;
    CHECK_OK(extra_file_find(dir, "alpha", "LoRA", true, out, sizeof out, &found));
    CHECK(found && strstr(out, "/alpha.safetensors"));
    CHECK_OK(extra_file_find(dir, "alpha.safetensors", "LoRA", true, out, sizeof out, &found));
    CHECK(found);
    CHECK_OK(extra_file_find(dir, "beta", "LoRA", true, out, sizeof out, &found));
    CHECK(found && strstr(out, "/styles/beta.safetensors"));
    CHECK_OK(extra_file_find(dir, "styles/beta", "LoRA", true, out, sizeof out, &found));
    CHECK(found);
    CHECK_STATUS(extra_file_find(dir, "gamma", "LoRA", true, out, sizeof out, &found), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(strstr(error_message(), "pickle") && strstr(error_message(), "gamma.pt"));
    CHECK_STATUS(extra_file_find(dir, "gamma.pt", "LoRA", true, out, sizeof out, &found), PIXEEN_ERROR_UNSUPPORTED);
    CHECK_STATUS(extra_file_find(dir, "../etc/passwd", "LoRA", true, out, sizeof out, &found), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(extra_file_find(dir, "/etc/passwd", "LoRA", true, out, sizeof out, &found), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(extra_file_find(dir, "a/../../b", "LoRA", true, out, sizeof out, &found), PIXEEN_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(extra_file_find(dir, "missing", "LoRA", true, out, sizeof out, &found), PIXEEN_ERROR_IO);
    CHECK(strstr(error_message(), "no LoRA named 'missing'"));
    CHECK_OK(extra_file_find(dir, "missing", "embedding", false, out, sizeof out, &found));
    CHECK(!found);
    CHECK(test_remove_tree(dir) == 0);
}

int main(void) {
    test_tags();
    test_crafted();
    test_fixture_and_corruption();
    test_folder();
    return test_finish();
}
