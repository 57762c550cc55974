/* sdl_preview.c — a small desktop program: shows the live preview while the image denoises, then
 * the final image. Generation runs on a worker thread; the preview callback hands each small RGB
 * preview to the window thread, which shows it scaled up on the left; the final image appears on
 * the right. Closing the window cancels the generation (pixeen_context_cancel, from the window
 * thread). Uses only the public header.
 *
 *   pixeen_example_sdl_preview MODEL [PROMPT] [SIZE] [STEPS] [TOKENIZER_DIR] [--exit-after MS]
 *
 * --exit-after MS closes the window MS milliseconds after the final image is shown (for headless
 * checks under Xvfb: see the README). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <pixeen/pixeen.h>

#define PANE 256 /* pixels per side of each half of the window */

typedef struct shared {
    pthread_mutex_t lock;
    pixeen_context *ctx;
    pixeen_model *model;
    pixeen_generate_desc desc;
    /* written by the worker, read by the window thread, under lock */
    uint8_t *preview; /* RGB8 */
    int preview_w, preview_h, step, total, preview_new;
    uint8_t *final; /* RGBA8 */
    int final_w, final_h, done;
    pixeen_status status;
    char message[512];
} shared;

static void on_preview(const uint8_t *rgb, int width, int height, int step, int total, void *user) {
    shared *s = user;
    pthread_mutex_lock(&s->lock);
    size_t bytes = (size_t)width * height * 3;
    uint8_t *copy = realloc(s->preview, bytes);
    if (copy) {
        memcpy(copy, rgb, bytes); /* `rgb` is valid only during this call */
        s->preview = copy;
        s->preview_w = width;
        s->preview_h = height;
        s->step = step;
        s->total = total;
        s->preview_new = 1;
    }
    pthread_mutex_unlock(&s->lock);
}

static void *worker(void *user) {
    shared *s = user;
    pixeen_image *image = NULL;
    pixeen_status status = pixeen_generate(s->model, &s->desc, &image);
    uint8_t *pixels = NULL;
    pixeen_image_info info = {0};
    if (status == PIXEEN_OK) status = pixeen_image_get_info(image, &info);
    if (status == PIXEEN_OK) {
        pixels = malloc((size_t)info.width * info.height * 4);
        status = pixels ? pixeen_image_read(image, 0, pixels, (size_t)info.width * info.height * 4)
                        : PIXEEN_ERROR_OUT_OF_MEMORY;
    }
    pthread_mutex_lock(&s->lock);
    s->status = status;
    if (status != PIXEEN_OK) snprintf(s->message, sizeof s->message, "%s", pixeen_context_last_error(s->ctx));
    s->final = status == PIXEEN_OK ? pixels : NULL;
    s->final_w = info.width;
    s->final_h = info.height;
    s->done = 1;
    pthread_mutex_unlock(&s->lock);
    if (status != PIXEEN_OK) free(pixels);
    pixeen_image_destroy(image);
    return NULL;
}

int main(int argc, char **argv) {
    const char *args[5] = {NULL, "a lighthouse at dusk, oil painting", "256", "20", NULL};
    int exit_after = -1, positional = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--exit-after") && i + 1 < argc) exit_after = atoi(argv[++i]);
        else if (positional < 5) args[positional++] = argv[i];
    }
    if (!args[0]) {
        fprintf(stderr, "usage: %s MODEL [PROMPT] [SIZE] [STEPS] [TOKENIZER_DIR] [--exit-after MS]\n", argv[0]);
        return 2;
    }
    shared s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    pixeen_status status = pixeen_context_create(NULL, &s.ctx);
    if (status != PIXEEN_OK) {
        fprintf(stderr, "context: %s\n", pixeen_last_error());
        return 1;
    }
    pixeen_model_desc m = {0};
    m.path = args[0];
    m.tokenizer_dir = args[4];
    status = pixeen_model_load(s.ctx, &m, &s.model);
    if (status != PIXEEN_OK) {
        fprintf(stderr, "model: %s\n", pixeen_context_last_error(s.ctx));
        pixeen_context_destroy(s.ctx);
        return 1;
    }
    s.desc.prompt = args[1];
    s.desc.width = s.desc.height = atoi(args[2]);
    s.desc.steps = atoi(args[3]);
    s.desc.seed = 1;
    s.desc.preview = on_preview;
    s.desc.preview_user = &s;
    s.desc.preview_every = 1;

    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "SDL: %s\n", SDL_GetError());
        return 1;
    }
    SDL_Window *window = SDL_CreateWindow("Pixeen", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, 2 * PANE, PANE, 0);
    SDL_Renderer *renderer = window ? SDL_CreateRenderer(window, -1, 0) : NULL;
    if (!renderer) {
        fprintf(stderr, "SDL: %s\n", SDL_GetError());
        return 1;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, worker, &s);

    SDL_Texture *preview = NULL, *final = NULL;
    Uint32 final_shown_at = 0;
    int running = 1;
    while (running) {
        SDL_Event e;
        while (SDL_PollEvent(&e))
            if (e.type == SDL_QUIT) running = 0;
        pthread_mutex_lock(&s.lock);
        if (s.preview_new) {
            if (!preview)
                preview = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING, s.preview_w,
                                            s.preview_h);
            if (preview) SDL_UpdateTexture(preview, NULL, s.preview, s.preview_w * 3);
            char title[128];
            snprintf(title, sizeof title, "Pixeen — step %d of %d", s.step, s.total);
            SDL_SetWindowTitle(window, title);
            s.preview_new = 0;
        }
        if (s.done && !final && s.final) {
            final = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_ABGR8888, SDL_TEXTUREACCESS_STATIC, s.final_w, s.final_h);
            if (final) SDL_UpdateTexture(final, NULL, s.final, s.final_w * 4); /* RGBA bytes = ABGR8888 on little-endian */
            SDL_SetWindowTitle(window, "Pixeen — done");
            final_shown_at = SDL_GetTicks();
        }
        if (s.done && s.status != PIXEEN_OK && !final_shown_at) {
            fprintf(stderr, "generate: %s: %s\n", pixeen_status_string(s.status), s.message);
            final_shown_at = SDL_GetTicks();
        }
        pthread_mutex_unlock(&s.lock);
        SDL_SetRenderDrawColor(renderer, 32, 32, 32, 255);
        SDL_RenderClear(renderer);
        SDL_Rect left = {0, 0, PANE, PANE}, right = {PANE, 0, PANE, PANE};
        if (preview) SDL_RenderCopy(renderer, preview, NULL, &left);
        if (final) SDL_RenderCopy(renderer, final, NULL, &right);
        SDL_RenderPresent(renderer);
        if (exit_after >= 0 && final_shown_at && SDL_GetTicks() - final_shown_at > (Uint32)exit_after) running = 0;
        SDL_Delay(16); /* about 60 frames per second */
    }
    pixeen_context_cancel(s.ctx); /* if the window closed early: the worker returns within a step */
    pthread_join(thread, NULL);
    if (preview) SDL_DestroyTexture(preview);
    if (final) SDL_DestroyTexture(final);
    SDL_DestroyRenderer(renderer);
    SDL_DestroyWindow(window);
    SDL_Quit();
    free(s.preview);
    free(s.final);
    pixeen_model_destroy(s.model);
    pixeen_context_destroy(s.ctx);
    pthread_mutex_destroy(&s.lock);
    return s.status == PIXEEN_OK || s.status == PIXEEN_ERROR_CANCELLED ? 0 : 1;
}
