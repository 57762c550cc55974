/* test_model_layout.c — both layouts through one description of the networks:
 *  - the fixture's fp16 single file (committed) opens as SD 1.x with the configuration of the
 *    fixture's config.json files (committed) derived from shapes alone;
 *  - against the fixture's fp32 diffusers folder (in ../shared, when present): the same tensors
 *    with the same values;
 *  - test models written by the maker in both layouts (same seed): the same tensors, same values;
 *  - the name map for full SD 1.5 / SD 2.x / SDXL shapes: known keys and parameter counts;
 *  - missing and mis-shaped tensors are reported by name with both shapes;
 *  - single files in diffusers names (stable-diffusion.cpp's prefixes unet./vae./te./te.1., and a
 *    bare UNet): the SD 1.x, SD 2.x and SDXL fixtures rewritten in them open with the same family,
 *    configurations and values (OpenCLIP's fused attention and transposed projection included). */
#include <cjson/cJSON.h>
#include <unistd.h>

#include "core/f16.h"
#include "models/model.h"
#include "models/quantize.h"
#include "testmodel.h"
#include "test.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* Same weights by name, shape and value (a's values rounded to fp16 when round_a). */
static void compare_models(const model *a, const model *b, bool round_a) {
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) {
        CHECK(model_has(a, c) == model_has(b, c));
        CHECK(model_weight_count(a, c) == model_weight_count(b, c));
        size_t n = model_weight_count(a, c), mismatched = 0;
        for (size_t i = 0; i < n; i++) {
            const model_weight *wa = model_weight_at(a, c, i);
            const model_weight *wb = model_weight_find(b, c, wa->name);
            if (!wb || wb->n_elements != wa->n_elements || wb->ndim != wa->ndim) {
                mismatched++;
                continue;
            }
            float *va = malloc(wa->n_elements * sizeof *va), *vb = malloc(wa->n_elements * sizeof *vb);
            CHECK_OK(model_weight_read_f32(wa, 0, wa->n_elements, va));
            CHECK_OK(model_weight_read_f32(wb, 0, wb->n_elements, vb));
            for (uint64_t k = 0; k < wa->n_elements; k++) {
                float x = round_a ? f32_round_f16(va[k]) : va[k];
                if (x != vb[k]) {
                    mismatched++;
                    fprintf(stderr, "  %s %s[%llu]: %g vs %g\n", model_component_name(c), wa->name,
                            (unsigned long long)k, (double)x, (double)vb[k]);
                    break;
                }
            }
            free(va);
            free(vb);
        }
        CHECK(mismatched == 0);
    }
}

/* Configurations compare by their printed form (every field, no struct padding involved). */
static bool same_clip(const clip_config *a, const clip_config *b) {
    char x[1024], y[1024];
    FILE *f = fmemopen(x, sizeof x, "w");
    clip_config_print(a, f);
    fprintf(f, " %d", a->projection_dim);
    fclose(f);
    f = fmemopen(y, sizeof y, "w");
    clip_config_print(b, f);
    fprintf(f, " %d", b->projection_dim);
    fclose(f);
    return !strcmp(x, y);
}

static bool same_unet(const unet_config *a, const unet_config *b) {
    char x[2048], y[2048];
    FILE *f = fmemopen(x, sizeof x, "w");
    unet_config_print(a, f);
    fprintf(f, " %d %d %d %d", a->flip_sin_to_cos, a->freq_shift, a->upcast_attention, a->mid_attention);
    fclose(f);
    f = fmemopen(y, sizeof y, "w");
    unet_config_print(b, f);
    fprintf(f, " %d %d %d %d", b->flip_sin_to_cos, b->freq_shift, b->upcast_attention, b->mid_attention);
    fclose(f);
    return !strcmp(x, y);
}

static bool same_vae(const vae_config *a, const vae_config *b) {
    char x[1024], y[1024];
    FILE *f = fmemopen(x, sizeof x, "w");
    vae_config_print(a, f);
    fclose(f);
    f = fmemopen(y, sizeof y, "w");
    vae_config_print(b, f);
    fclose(f);
    return !strcmp(x, y);
}

static void test_fixture_single(void) {
    model *m = NULL;
    CHECK_OK(model_open(test_data_path("sd15-tiny/sd15-tiny.fp16.safetensors"), &m));
    if (!m) return;
    CHECK(model_get_family(m) == MODEL_FAMILY_SD1 && model_get_layout(m) == MODEL_LAYOUT_SINGLE_FILE);
    CHECK(!model_is_inpainting(m));
    CHECK(model_weight_count(m, MODEL_TEXT_ENCODER) == 84 && model_weight_count(m, MODEL_UNET) == 304 &&
          model_weight_count(m, MODEL_VAE) == 156 && !model_has(m, MODEL_TEXT_ENCODER_2));
    CHECK(model_extra_count(m, MODEL_TEXT_ENCODER) == 1);
    CHECK(model_tokenizer_dir(m, MODEL_TEXT_ENCODER) != NULL);
    /* the configuration derived from shapes equals the fixture's config.json (except the sample
     * sizes, which weights cannot tell) */
    const char *names[3] = {"sd15-tiny/model/text_encoder/config.json", "sd15-tiny/model/unet/config.json",
                            "sd15-tiny/model/vae/config.json"};
    clip_config c;
    unet_config u;
    vae_config v;
    size_t len;
    char *json = slurp(test_data_path(names[0]), &len);
    CHECK_OK(clip_config_from_json(json, len, names[0], &c));
    free(json);
    json = slurp(test_data_path(names[1]), &len);
    CHECK_OK(unet_config_from_json(json, len, names[1], &u));
    free(json);
    json = slurp(test_data_path(names[2]), &len);
    CHECK_OK(vae_config_from_json(json, len, names[2], &v));
    free(json);
    /* the maker's "sd15-tiny" has exactly the fixture's shapes */
    clip_config mc;
    unet_config mu;
    vae_config mv;
    CHECK_OK(testmodel_configs("sd15-tiny", &mc, &mu, &mv));
    CHECK(same_clip(&mc, &c) && same_unet(&mu, &u) && same_vae(&mv, &v));
    const clip_config *dc = model_clip_config(m, MODEL_TEXT_ENCODER);
    CHECK(dc && same_clip(dc, &c));
    unet_config du = *model_unet_config(m);
    du.sample_size = u.sample_size;
    CHECK(same_unet(&du, &u));
    vae_config dv = *model_vae_config(m);
    dv.sample_size = v.sample_size;
    CHECK(same_vae(&dv, &v));
    /* lookups by diffusers name resolve through the name map */
    const model_weight *w = model_weight_find(m, MODEL_VAE, "decoder.mid_block.attentions.0.to_q.weight");
    CHECK(w && w->ndim == 2 && w->shape[0] == 64 && w->tensor->ndim == 4 &&
          !strcmp(w->tensor->name, "first_stage_model.decoder.mid.attn_1.q.weight"));
    w = model_weight_find(m, MODEL_UNET, "up_blocks.0.upsamplers.0.conv.weight");
    CHECK(w && !strcmp(w->tensor->name, "model.diffusion_model.output_blocks.2.2.conv.weight"));
    CHECK(model_weight_find(m, MODEL_UNET, "no.such.weight") == NULL);

    /* against the fp32 diffusers folder of the fixture, when ../shared is there */
    const char *dir = test_shared_path("fixtures/sd15-tiny/model");
    if (dir) {
        model *d = NULL;
        CHECK_OK(model_open(dir, &d));
        if (d) {
            CHECK(model_get_layout(d) == MODEL_LAYOUT_DIFFUSERS && model_get_family(d) == MODEL_FAMILY_SD1);
            compare_models(d, m, true);
            CHECK(same_unet(model_unet_config(d), &u));
        }
        model_close(d);
    } else {
        printf("../shared/fixtures absent: skipping the fp32 folder comparison\n");
    }
    model_close(m);
}

static void test_maker_layouts(char *root) {
    char dir[4096], single[4096], single16[4096];
    snprintf(dir, sizeof dir, "%s/diffusers", root);
    snprintf(single, sizeof single, "%s/single/m.safetensors", root);
    snprintf(single16, sizeof single16, "%s/single/m16.safetensors", root);
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/single", root);
    mkdir(sub, 0755);
    CHECK_OK(testmodel_write(&(testmodel_options){.out = dir, .seed = 5}));
    CHECK_OK(testmodel_write(&(testmodel_options){.out = single, .single_file = true, .seed = 5}));
    CHECK_OK(testmodel_write(&(testmodel_options){.out = single16, .single_file = true, .fp16 = true, .seed = 5}));
    model *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(model_open(dir, &a));
    CHECK_OK(model_open(single, &b));
    CHECK_OK(model_open(single16, &c));
    if (a && b && c) {
        compare_models(a, b, false);
        compare_models(a, c, true);
        CHECK(model_tokenizer_dir(b, MODEL_TEXT_ENCODER) != NULL);
        const model_weight *w = model_weight_find(c, MODEL_UNET, "conv_in.weight");
        uint16_t h[8];
        float f[8];
        CHECK_OK(model_weight_read_f16(w, 100, 8, h));
        CHECK_OK(model_weight_read_f32(model_weight_find(a, MODEL_UNET, "conv_in.weight"), 100, 8, f));
        for (int i = 0; i < 8; i++) CHECK(h[i] == f32_to_f16(f[i]));
        CHECK_STATUS(model_weight_read_f16(w, w->n_elements, 1, h), PIXEEN_ERROR_INVALID_ARGUMENT);
    }
    model_close(a);
    model_close(b);
    model_close(c);
    /* different seeds differ */
    char other[4096];
    snprintf(other, sizeof other, "%s/single/seed6.safetensors", root);
    CHECK_OK(testmodel_write(&(testmodel_options){.out = other, .single_file = true, .seed = 6}));
    CHECK_OK(model_open(other, &a));
    CHECK_OK(model_open(single, &b));
    if (a && b) {
        float x, y;
        CHECK_OK(model_weight_read_f32(model_weight_find(a, MODEL_UNET, "conv_in.weight"), 0, 1, &x));
        CHECK_OK(model_weight_read_f32(model_weight_find(b, MODEL_UNET, "conv_in.weight"), 0, 1, &y));
        CHECK(x != y);
    }
    model_close(a);
    model_close(b);
}

/* SDXL's structure at toy size: OpenCLIP's fused attention and transposed projection in the
 * single file read back as the diffusers tensors. */
static void test_maker_sdxl(char *root) {
    char dir[4096], single[4096];
    snprintf(dir, sizeof dir, "%s/xl-diffusers", root);
    snprintf(single, sizeof single, "%s/xl-single", root);
    mkdir(single, 0755);
    snprintf(single, sizeof single, "%s/xl-single/xl.safetensors", root);
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sdxl-tiny", .out = dir, .seed = 9}));
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sdxl-tiny", .out = single, .single_file = true, .seed = 9}));
    model *a = NULL, *b = NULL;
    CHECK_OK(model_open(dir, &a));
    CHECK_OK(model_open(single, &b));
    if (a && b) {
        CHECK(model_get_family(a) == MODEL_FAMILY_SDXL && model_get_family(b) == MODEL_FAMILY_SDXL);
        compare_models(a, b, false);
        const clip_config *c2 = model_clip_config(b, MODEL_TEXT_ENCODER_2);
        CHECK(c2 && c2->has_projection && c2->projection_dim == 32 && c2->hidden_act == MODEL_ACT_GELU);
        const unet_config *u = model_unet_config(b);
        CHECK(u->addition_time_embed_dim == 8 && u->projection_class_embeddings_input_dim == 80 &&
              u->use_linear_projection && u->transformer_depth[1] == 2 && u->mid_transformer_depth == 2 &&
              u->cross_attention_dim == 96);
        CHECK(same_unet(u, model_unet_config(a)) == false); /* only the sample size differs: */
        unet_config ub = *u;
        ub.sample_size = model_unet_config(a)->sample_size;
        CHECK(same_unet(&ub, model_unet_config(a)));
        const model_weight *w = model_weight_find(b, MODEL_TEXT_ENCODER_2, "text_model.encoder.layers.1.self_attn.k_proj.weight");
        CHECK(w && w->first_element == 64 * 64 && w->tensor->shape[0] == 192);
        w = model_weight_find(b, MODEL_TEXT_ENCODER_2, "text_projection.weight");
        CHECK(w && w->transpose && w->shape[0] == 32 && w->shape[1] == 64);
        CHECK(model_tokenizer_dir(b, MODEL_TEXT_ENCODER_2) != NULL);
    }
    model_close(a);
    model_close(b);
}

/* SD 2.x's structure at toy size: OpenCLIP in the single file has one more (unused) layer. */
static void test_maker_sd2(char *root) {
    char dir[4096], single[4096];
    snprintf(dir, sizeof dir, "%s/v2-diffusers", root);
    snprintf(single, sizeof single, "%s/v2-single", root);
    mkdir(single, 0755);
    snprintf(single, sizeof single, "%s/v2-single/v2.safetensors", root);
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sd2-tiny", .out = dir, .seed = 4, .fp16 = true}));
    CHECK_OK(testmodel_write(&(testmodel_options){.config = "sd2-tiny", .out = single, .single_file = true, .seed = 4}));
    model *a = NULL, *b = NULL;
    CHECK_OK(model_open(dir, &a));
    CHECK_OK(model_open(single, &b));
    if (a && b) {
        CHECK(model_get_family(a) == MODEL_FAMILY_SD2 && model_get_family(b) == MODEL_FAMILY_SD2);
        compare_models(b, a, true);
        const clip_config *c = model_clip_config(b, MODEL_TEXT_ENCODER);
        CHECK(c && c->num_layers == 3 && c->hidden_act == MODEL_ACT_GELU && !c->has_projection);
        CHECK(model_unet_config(b)->upcast_attention && model_unet_config(a)->upcast_attention);
        /* the 4th OpenCLIP layer and the 0-d logit_scale are extras */
        size_t extras = model_extra_count(b, MODEL_TEXT_ENCODER);
        bool layer3 = false, scale = false;
        for (size_t i = 0; i < extras; i++) {
            layer3 |= strstr(model_extra_at(b, MODEL_TEXT_ENCODER, i), "resblocks.3.") != NULL;
            scale |= !strcmp(model_extra_at(b, MODEL_TEXT_ENCODER, i), "cond_stage_model.model.logit_scale");
        }
        CHECK(layer3 && scale);
    }
    model_close(a);
    model_close(b);
}

/* Rewrites a safetensors header in place through `edit` (data untouched). */
static void edit_header(const char *path, const char *out, void (*edit)(cJSON *)) {
    size_t len;
    char *buf = slurp(path, &len);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | (uint8_t)buf[i];
    cJSON *root = cJSON_ParseWithLength(buf + 8, hl);
    edit(root);
    char *json = cJSON_PrintUnformatted(root);
    size_t nl = strlen(json);
    FILE *f = fopen(out, "wb");
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)((uint64_t)nl >> (8 * i));
    fwrite(le, 1, 8, f);
    fwrite(json, 1, nl, f);
    fwrite(buf + 8 + hl, 1, len - 8 - hl, f);
    fclose(f);
    free(json);
    cJSON_Delete(root);
    free(buf);
}

static void drop_tensor(cJSON *root) {
    cJSON_DeleteItemFromObject(root, "model.diffusion_model.middle_block.1.proj_out.weight");
}

static void reshape_tensor(cJSON *root) {
    cJSON *t = cJSON_GetObjectItem(root, "model.diffusion_model.input_blocks.1.0.in_layers.2.weight");
    cJSON_ReplaceItemInObject(t, "shape", cJSON_CreateIntArray((const int[]){32, 288}, 2));
}

static void test_errors(char *root) {
    char single[4096], bad[4096];
    snprintf(single, sizeof single, "%s/single/m.safetensors", root);
    snprintf(bad, sizeof bad, "%s/single/bad.safetensors", root);
    model *m = NULL;
    edit_header(single, bad, drop_tensor);
    CHECK_STATUS(model_open(bad, &m), PIXEEN_ERROR_MODEL);
    CHECK(strstr(error_message(), "'mid_block.attentions.0.proj_out.weight'") &&
          strstr(error_message(), "model.diffusion_model.middle_block.1.proj_out.weight") &&
          strstr(error_message(), "[64,64,1,1] missing"));
    edit_header(single, bad, reshape_tensor);
    CHECK_STATUS(model_open(bad, &m), PIXEEN_ERROR_MODEL);
    CHECK(strstr(error_message(), "input_blocks.1.0.in_layers.2.weight") &&
          strstr(error_message(), "shape [32,288], expected [32,32,3,3]"));
    /* a diffusers folder without weights, and a folder that is no model */
    char dir[4096], path[4096];
    snprintf(dir, sizeof dir, "%s/diffusers", root);
    snprintf(path, sizeof path, "%s/diffusers/vae/diffusion_pytorch_model.safetensors", root);
    CHECK(unlink(path) == 0);
    CHECK_STATUS(model_open(dir, &m), PIXEEN_ERROR_MODEL);
    CHECK(strstr(error_message(), "vae") && strstr(error_message(), "no weights"));
    snprintf(path, sizeof path, "%s/single", root);
    CHECK_STATUS(model_open(path, &m), PIXEEN_ERROR_MODEL);
    CHECK(strstr(error_message(), "model_index.json") != NULL);
    CHECK_STATUS(model_open("/nonexistent/model", &m), PIXEEN_ERROR_IO);
    /* a safetensors file with no UNet */
    snprintf(path, sizeof path, "%s/diffusers/text_encoder/model.safetensors", root);
    CHECK_STATUS(model_open(path, &m), PIXEEN_ERROR_MODEL);
    CHECK(strstr(error_message(), "no UNet") != NULL);
}

static const char *key_of(const layout_context *ctx, model_component c, const spec_list *l, const char *name,
                          original_ref *ref) {
    for (size_t i = 0; i < l->count; i++)
        if (!strcmp(l->items[i].name, name)) {
            if (layout_original_ref(ctx, c, &l->items[i], ref)) return "(error)";
            return ref->key;
        }
    return "(no such spec)";
}

/* The maker's full-size SD 2.1 and SDXL base configurations have the published parameter counts. */
static void test_full_size_configs(void) {
    static const struct {
        const char *name;
        uint64_t unet, te[2];
    } want[] = {{"sd21", 865910724ull, {340387840ull, 0}}, {"sdxl", 2567463684ull, {123060480ull, 694659840ull}}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        testmodel_config t;
        CHECK_OK(testmodel_config_get(want[k].name, &t));
        spec_list l = {0};
        CHECK_OK(spec_unet(&t.unet, &l));
        printf("%s: unet %llu parameters\n", want[k].name, (unsigned long long)spec_list_parameters(&l));
        CHECK(spec_list_parameters(&l) == want[k].unet);
        CHECK_OK(unet_config_validate(&t.unet, want[k].name));
        for (int e = 0; e < 2 && want[k].te[e]; e++) {
            CHECK_OK(spec_clip(&t.clip[e], &l));
            printf("%s: text encoder %d %llu parameters\n", want[k].name, e + 1,
                   (unsigned long long)spec_list_parameters(&l));
            CHECK(spec_list_parameters(&l) == want[k].te[e]);
        }
        spec_list_free(&l);
    }
}

static void test_name_map(void) {
    clip_config c;
    unet_config u;
    vae_config v;
    CHECK_OK(testmodel_configs("sd15", &c, &u, &v));
    spec_list lc = {0}, lu = {0}, lv = {0};
    CHECK_OK(spec_clip(&c, &lc));
    CHECK_OK(spec_unet(&u, &lu));
    CHECK_OK(spec_vae(&v, &lv));
    /* the published parameter counts of SD 1.5 */
    CHECK(spec_list_parameters(&lu) == 859520964ull);
    CHECK(spec_list_parameters(&lv) == 83653863ull);
    CHECK(spec_list_parameters(&lc) == 123060480ull);
    CHECK(lu.count == 686 && lv.count == 248 && lc.count == 196);
    layout_context ctx = {MODEL_FAMILY_SD1, &u, &v, &c};
    original_ref r;
    CHECK(!strcmp(key_of(&ctx, MODEL_UNET, &lu, "down_blocks.0.downsamplers.0.conv.weight", &r),
                  "model.diffusion_model.input_blocks.3.0.op.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_UNET, &lu, "up_blocks.0.upsamplers.0.conv.bias", &r),
                  "model.diffusion_model.output_blocks.2.1.conv.bias"));
    CHECK(!strcmp(key_of(&ctx, MODEL_UNET, &lu, "up_blocks.1.upsamplers.0.conv.weight", &r),
                  "model.diffusion_model.output_blocks.5.2.conv.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_UNET, &lu, "up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_k.weight", &r),
                  "model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_k.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_UNET, &lu, "mid_block.resnets.1.time_emb_proj.weight", &r),
                  "model.diffusion_model.middle_block.2.emb_layers.1.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_UNET, &lu, "down_blocks.1.resnets.0.conv_shortcut.weight", &r),
                  "model.diffusion_model.input_blocks.4.0.skip_connection.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_VAE, &lv, "decoder.up_blocks.0.resnets.0.conv1.weight", &r),
                  "first_stage_model.decoder.up.3.block.0.conv1.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_VAE, &lv, "encoder.down_blocks.1.resnets.0.conv_shortcut.weight", &r),
                  "first_stage_model.encoder.down.1.block.0.nin_shortcut.weight"));
    CHECK(!strcmp(key_of(&ctx, MODEL_VAE, &lv, "encoder.mid_block.attentions.0.to_out.0.weight", &r),
                  "first_stage_model.encoder.mid.attn_1.proj_out.weight") &&
          r.ndim == 4 && r.shape[3] == 1);
    CHECK(!strcmp(key_of(&ctx, MODEL_TEXT_ENCODER, &lc, "text_model.final_layer_norm.weight", &r),
                  "cond_stage_model.transformer.text_model.final_layer_norm.weight"));
    /* every UNet/VAE key is distinct */
    size_t dup = 0;
    char (*keys)[LAYOUT_KEY_MAX] = malloc(lu.count * sizeof *keys);
    for (size_t i = 0; i < lu.count; i++) {
        CHECK_OK(layout_original_ref(&ctx, MODEL_UNET, &lu.items[i], &r));
        memcpy(keys[i], r.key, sizeof r.key);
        for (size_t j = 0; j < i; j++) dup += !strcmp(keys[i], keys[j]);
    }
    CHECK(dup == 0);
    free(keys);
    /* OpenCLIP (SD 2.x / SDXL's second encoder): fused attention, transposed projection */
    clip_config oc = c;
    oc.hidden_size = 1024;
    oc.has_projection = true;
    oc.projection_dim = 1024;
    spec_list lo = {0};
    CHECK_OK(spec_clip(&oc, &lo));
    layout_context octx = {MODEL_FAMILY_SDXL, &u, &v, &oc};
    CHECK(!strcmp(key_of(&octx, MODEL_TEXT_ENCODER_2, &lo, "text_model.encoder.layers.3.self_attn.v_proj.weight", &r),
                  "conditioner.embedders.1.model.transformer.resblocks.3.attn.in_proj_weight") &&
          r.element_offset == 2ull * 1024 * 1024 && r.shape[0] == 3072);
    CHECK(!strcmp(key_of(&octx, MODEL_TEXT_ENCODER_2, &lo, "text_model.encoder.layers.0.self_attn.k_proj.bias", &r),
                  "conditioner.embedders.1.model.transformer.resblocks.0.attn.in_proj_bias") &&
          r.element_offset == 1024);
    CHECK(!strcmp(key_of(&octx, MODEL_TEXT_ENCODER_2, &lo, "text_projection.weight", &r),
                  "conditioner.embedders.1.model.text_projection") && r.transpose);
    CHECK(!strcmp(key_of(&octx, MODEL_TEXT_ENCODER_2, &lo, "text_model.encoder.layers.0.mlp.fc1.weight", &r),
                  "conditioner.embedders.1.model.transformer.resblocks.0.mlp.c_fc.weight"));
    CHECK(!strcmp(key_of(&octx, MODEL_TEXT_ENCODER, &lc, "text_model.encoder.layers.0.mlp.fc1.weight", &r),
                  "conditioner.embedders.0.transformer.text_model.encoder.layers.0.mlp.fc1.weight"));
    spec_list_free(&lo);
    spec_list_free(&lc);
    spec_list_free(&lu);
    spec_list_free(&lv);
}

/* Writes a safetensors file holding F16 tensors of shape [1] under the given keys. */
static void write_keys(const char *path, const char *const *keys, int n) {
    char header[4096];
    size_t at = (size_t)snprintf(header, sizeof header, "{");
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(header + at, sizeof header - at, "%s\"%s\":{\"dtype\":\"F16\",\"shape\":[1],"
                               "\"data_offsets\":[%d,%d]}", i ? "," : "", keys[i], 2 * i, 2 * i + 2);
    at += (size_t)snprintf(header + at, sizeof header - at, "}");
    while (at % 8) header[at++] = ' ';
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    uint64_t len = at;
    fwrite(&len, 8, 1, f);
    fwrite(header, 1, at, f);
    uint16_t zero[16] = {0};
    fwrite(zero, 2, (size_t)n, f);
    fclose(f);
}

/* Checkpoints of other families are refused with a message naming what they are. */
static void test_other_families(char *root) {
    char path[4200];
    snprintf(path, sizeof path, "%s/other.safetensors", root);
    static const struct {
        const char *keys[3];
        const char *says;
    } cases[] = {
        {{"model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight"}, "Stable Diffusion 3"},
        {{"double_blocks.0.img_attn.qkv.weight"}, "Flux"},
        {{"model.diffusion_model.label_emb.0.0.weight", "conditioner.embedders.0.model.token_embedding.weight",
          "model.diffusion_model.input_blocks.0.0.weight"},
         "SDXL refiner"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int n = 0;
        while (n < 3 && cases[k].keys[n]) n++;
        write_keys(path, cases[k].keys, n);
        model *m = NULL;
        CHECK_STATUS(model_open(path, &m), PIXEEN_ERROR_UNSUPPORTED);
        CHECK(m == NULL && strstr(error_message(), cases[k].says));
        if (!strstr(error_message(), cases[k].says)) fprintf(stderr, "message: %s\n", error_message());
    }
    unlink(path);
    /* a diffusers folder of another pipeline: named from model_index.json */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/sd3", root);
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof path, "%s/model_index.json", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("{\"_class_name\": \"StableDiffusion3Pipeline\"}", f);
        fclose(f);
    }
    model *m = NULL;
    CHECK_STATUS(model_open(dir, &m), PIXEEN_ERROR_UNSUPPORTED);
    CHECK(strstr(error_message(), "StableDiffusion3Pipeline") != NULL);
}

static void same_configs(const model *a, const model *b) {
    CHECK(model_get_family(a) == model_get_family(b));
    for (int c = 0; c < MODEL_COMPONENT_COUNT; c++) CHECK(model_has(a, c) == model_has(b, c));
    CHECK(same_unet(model_unet_config(a), model_unet_config(b)));
    if (model_has(a, MODEL_VAE)) CHECK(same_vae(model_vae_config(a), model_vae_config(b)));
    for (int c = 0; c < 2; c++) {
        model_component mc = c ? MODEL_TEXT_ENCODER_2 : MODEL_TEXT_ENCODER;
        if (!model_has(a, mc)) continue;
        /* projection_dim is only read with has_projection (SD 2.x's original file stores an unused one) */
        clip_config x = *model_clip_config(a, mc), y = *model_clip_config(b, mc);
        if (!x.has_projection && !y.has_projection) x.projection_dim = y.projection_dim = 0;
        CHECK(same_clip(&x, &y));
    }
}

/* Writes a safetensors file with only the UNet's tensors of `in` under `prefix` (a UNet-only file). */
static void strip_to_unet(const char *in, const char *out, const char *prefix) {
    safetensors_file *f = NULL;
    CHECK_OK(safetensors_open(in, &f));
    if (!f) return;
    FILE *dst = NULL;
    /* a safetensors file: names and data as they are, only the UNet's */
    size_t n = safetensors_count(f), kept = 0;
    cJSON *header = cJSON_CreateObject();
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        const safetensors_tensor *t = safetensors_at(f, i);
        if (strncmp(t->name, "unet.", 5) || t->dtype != SAFETENSORS_F16) continue;
        char name[512];
        snprintf(name, sizeof name, "%s%s", prefix, t->name + 5);
        cJSON *e = cJSON_AddObjectToObject(header, name);
        cJSON_AddStringToObject(e, "dtype", "F16");
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        for (int d = 0; d < t->ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)t->shape[d]));
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)offset));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(offset + t->nbytes)));
        offset += t->nbytes;
        kept++;
    }
    char *text = cJSON_PrintUnformatted(header);
    uint64_t hlen = strlen(text);
    dst = fopen(out, "wb");
    CHECK(dst != NULL && kept > 0);
    if (dst) {
        fwrite(&hlen, 8, 1, dst);
        fwrite(text, 1, hlen, dst);
        for (size_t i = 0; i < n; i++) {
            const safetensors_tensor *t = safetensors_at(f, i);
            if (strncmp(t->name, "unet.", 5) || t->dtype != SAFETENSORS_F16) continue;
            void *buf = malloc(t->nbytes);
            CHECK_OK(safetensors_read_raw(f, t, 0, t->nbytes, buf));
            fwrite(buf, 1, t->nbytes, dst);
            free(buf);
        }
        fclose(dst);
    }
    free(text);
    cJSON_Delete(header);
    safetensors_close(f);
}

static void test_diffusers_names(const char *root) {
    static const char *const files[] = {"sd15-tiny/sd15-tiny.fp16.safetensors", "sd21-tiny/sd21-tiny.fp16.safetensors",
                                        "sdxl-tiny/sdxl-tiny.fp16.safetensors"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char out[2100], unet_only[2100];
        snprintf(out, sizeof out, "%s/diffusers-names-%zu.gguf", root, i);
        CHECK_OK(model_quantize_names(test_data_path(files[i]), out, "f16", QUANTIZE_NAMES_DIFFUSERS, NULL));
        model *a = NULL, *b = NULL;
        CHECK_OK(model_open(test_data_path(files[i]), &a));
        CHECK_OK(model_open(out, &b));
        if (a && b) {
            CHECK(!model_has_diffusers_names(a) && model_has_diffusers_names(b));
            same_configs(a, b);
            compare_models(a, b, false);
            printf("%s in diffusers names: %s, same configurations and values\n", files[i],
                   model_family_name(model_get_family(b)));
        }
        model_close(b);
        b = NULL;
        /* quantize keeps diffusers names (AUTO), and refuses to write them back as original names */
        CHECK(model_quantize_names(out, out, "f16", QUANTIZE_NAMES_ORIGINAL, NULL) == PIXEEN_ERROR_UNSUPPORTED);
        error_clear();
        /* a UNet-only file in bare diffusers names (as ComfyUI-GGUF's converter keeps them) */
        snprintf(unet_only, sizeof unet_only, "%s/unet-only-%zu.safetensors", root, i);
        strip_to_unet(out, unet_only, "");
        CHECK_OK(model_open(unet_only, &b));
        if (a && b) {
            CHECK(model_get_family(a) == model_get_family(b));
            CHECK(model_has(b, MODEL_UNET) && !model_has(b, MODEL_VAE) && !model_has(b, MODEL_TEXT_ENCODER));
            /* (the tiny SDXL's pooled width cannot be told without its second encoder) */
            if (model_get_family(a) != MODEL_FAMILY_SDXL) CHECK(same_unet(model_unet_config(a), model_unet_config(b)));
            CHECK(model_require(b, MODEL_VAE, "text to image") == PIXEEN_ERROR_MODEL);
            CHECK(strstr(error_message(), "diffusers names") != NULL);
            error_clear();
        }
        model_close(a);
        model_close(b);
    }
}

int main(void) {
    test_fixture_single();
    const char *cache = getenv("XDG_CACHE_HOME");
    char root[2048];
    snprintf(root, sizeof root, "%s/test_model_layout.%d", cache ? cache : "/tmp", (int)getpid());
    if (cache) mkdir(cache, 0755);
    CHECK(mkdir(root, 0755) == 0);
    test_maker_layouts(root);
    test_maker_sdxl(root);
    test_maker_sd2(root);
    test_errors(root);
    test_other_families(root);
    test_name_map();
    test_full_size_configs();
    test_diffusers_names(root);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0);
    return test_finish();
}
