// A C shim over Debian's dlib: HOG face detector, 5-point landmarks and the
// face-recognition ResNet (dlib_face_recognition_resnet_model_v1), exactly
// as dlib's dnn_face_recognition_ex.cpp and face_recognition 1.3.0 use them.
// Images arrive decoded (RGB, row-major) from Rust, so no image parser runs
// here. No C++ exception crosses the boundary: each is turned into a message.
#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

using namespace dlib;

namespace {

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using anet_type = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

struct Engine {
    frontal_face_detector detector;
    shape_predictor landmarks;
    anet_type net;
};

void set_error(char *err, size_t len, const char *what) {
    if (len == 0) return;
    std::strncpy(err, what, len - 1);
    err[len - 1] = '\0';
}

}  // namespace

extern "C" {

void *kf_open(const char *landmarks_path, const char *net_path, char *err, size_t err_len) {
    try {
        auto *e = new Engine();
        e->detector = get_frontal_face_detector();
        deserialize(landmarks_path) >> e->landmarks;
        deserialize(net_path) >> e->net;
        return e;
    } catch (const std::exception &x) {
        set_error(err, err_len, x.what());
    } catch (...) {
        set_error(err, err_len, "unknown C++ exception");
    }
    return nullptr;
}

void kf_close(void *engine) { delete static_cast<Engine *>(engine); }

// Finds the faces in an RGB image (upsampled once if none is found as it is)
// and describes up to `max` of them. Returns how many faces were found (which
// may exceed `max`), or -1 with a message in `err`. `rects` receives left,
// top, right, bottom per face; `descs` 128 floats per face.
int kf_faces(void *engine, const uint8_t *rgb, long width, long height, int max, int32_t *rects,
             float *descs, char *err, size_t err_len) {
    try {
        auto *e = static_cast<Engine *>(engine);
        matrix<rgb_pixel> img(height, width);
        for (long r = 0; r < height; ++r) {
            for (long c = 0; c < width; ++c) {
                const uint8_t *p = rgb + 3 * (r * width + c);
                img(r, c) = rgb_pixel(p[0], p[1], p[2]);
            }
        }
        // A face in a seat's capture or an ID photo is well above the
        // detector's 80 px window: look at the image as it is first, and
        // only if that finds nothing at twice the size (pyramid_up, as
        // face_recognition's upsample=1 does), halving the boxes after.
        std::vector<rectangle> found = e->detector(img);
        matrix<rgb_pixel> up;
        const matrix<rgb_pixel> *src = &img;
        long scale = 1;
        if (found.empty()) {
            pyramid_up(img, up, pyramid_down<2>());
            found = e->detector(up);
            src = &up;
            scale = 2;
        }
        const int n = static_cast<int>(found.size());
        const int described = n < max ? n : max;
        std::vector<matrix<rgb_pixel>> chips;
        for (int i = 0; i < described; ++i) {
            full_object_detection shape = e->landmarks(*src, found[i]);
            matrix<rgb_pixel> chip;
            extract_image_chip(*src, get_face_chip_details(shape, 150, 0.25), chip);
            chips.push_back(std::move(chip));
            rects[4 * i] = static_cast<int32_t>(found[i].left() / scale);
            rects[4 * i + 1] = static_cast<int32_t>(found[i].top() / scale);
            rects[4 * i + 2] = static_cast<int32_t>(found[i].right() / scale);
            rects[4 * i + 3] = static_cast<int32_t>(found[i].bottom() / scale);
        }
        if (!chips.empty()) {
            std::vector<matrix<float, 0, 1>> out = e->net(chips);
            for (int i = 0; i < described; ++i) {
                for (int k = 0; k < 128; ++k) descs[128 * i + k] = out[i](k);
            }
        }
        return n;
    } catch (const std::exception &x) {
        set_error(err, err_len, x.what());
    } catch (...) {
        set_error(err, err_len, "unknown C++ exception");
    }
    return -1;
}

}  // extern "C"
