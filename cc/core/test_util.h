// test_util.h - GoogleTest helpers for the core's tests: a session on a
// core with a controllable clock, fed with byte strings.
//
// Owns nothing beyond what one test creates. Test-only; never linked into
// respd.
#ifndef RESPD_TEST_UTIL_H
#define RESPD_TEST_UTIL_H

#include <initializer_list>
#include <memory>
#include <string>

#include "cc/core/core.h"
#include "cc/core/session.h"
#include "cc/core/store.h"

namespace respd_test {

// Encodes one request as a RESP multibulk frame.
inline std::string Cmd(std::initializer_list<std::string> args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string &a : args)
        out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

class Harness {
  public:
    struct Options {
        const char *requirepass = nullptr;
        int maxclients = 100;
        size_t output_limit = 0;
        bool protected_mode = false;
        int timeout = 0;
    };

    Harness() : Harness(Options()) {}

    explicit Harness(const Options &o) : owned_(true) {
        struct core_config cfg = {};
        cfg.engine = "test";
        cfg.bind = "127.0.0.1";
        cfg.port = 7379;
        cfg.maxclients = o.maxclients;
        cfg.requirepass = o.requirepass;
        cfg.timeout = o.timeout;
        cfg.threads = 1;
        cfg.output_limit = o.output_limit;
        cfg.protected_mode = o.protected_mode;
        cfg.loglevel = "notice";
        core_ = core_new(&cfg);
        clock_ = std::make_shared<int64_t>(1700000000000LL);
        store_set_clock(core_store(core_), &Harness::ClockFn, clock_.get());
        s_ = session_new(core_, 7, nullptr, 0);
    }

    // Another connection on the same core (and clock).
    explicit Harness(Harness &other, const struct sockaddr *peer = nullptr,
                     socklen_t len = 0)
        : core_(other.core_), clock_(other.clock_), owned_(false) {
        s_ = session_new(core_, 8, peer, len);
    }

    ~Harness() {
        Close();
        if (owned_)
            core_free(core_);
    }
    Harness(const Harness &) = delete;
    Harness &operator=(const Harness &) = delete;

    struct core *core() { return core_; }
    struct session *s() { return s_; }

    void Close() {
        if (s_ != nullptr)
            session_free(s_);
        s_ = nullptr;
    }

    // Feeds bytes through session_feed and returns every reply produced.
    std::string Run(const std::string &in) {
        FeedOnly(in);
        return TakeOutput();
    }
    void FeedOnly(const std::string &in) { session_feed(s_, in.data(), in.size()); }

    // The same through session_in_reserve/commit/process.
    std::string RunReserve(const std::string &in) {
        size_t avail = 0;
        char *p = session_in_reserve(s_, in.size(), &avail);
        if (p == nullptr || avail < in.size())
            return "<reserve failed>";
        in.copy(p, in.size());
        session_in_commit(s_, in.size());
        session_process(s_);
        return TakeOutput();
    }

    // Reads every reply, as a client that keeps reading would: requests
    // held back by flow control run as the output drains.
    std::string TakeOutput() {
        std::string out;
        for (;;) {
            size_t len = 0;
            const char *p = session_out_peek(s_, &len);
            if (len == 0 && session_resume(s_) == 0)
                break;
            out.append(p != nullptr ? p : "", len);
            session_out_consume(s_, len);
        }
        return out;
    }

    bool WantClose() const { return session_want_close(s_); }
    size_t BufferBytes() const { return session_buffer_bytes(s_); }
    long long Id() {
        std::string r = Run(Cmd({"CLIENT", "ID"}));
        return std::stoll(r.substr(1));
    }
    int64_t Now() const { return *clock_; }
    void Advance(int64_t ms) { *clock_ += ms; }
    void SetNow(int64_t ms) { *clock_ = ms; }

  private:
    static int64_t ClockFn(void *ctx) { return *static_cast<int64_t *>(ctx); }

    struct core *core_ = nullptr;
    std::shared_ptr<int64_t> clock_;
    struct session *s_ = nullptr;
    bool owned_;
};

}  // namespace respd_test

#endif
