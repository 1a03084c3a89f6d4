#include "ftp/client.hpp"

#include "ftp/address.hpp"
#include "ftp/server.hpp"

namespace wirestack::ftp {

ClientSession::ClientSession(ClientJob job, Endpoints ends) : job_(std::move(job)), ends_(ends) {
  if (job_.op == ClientJob::Op::put) upload_ = job_.ascii ? to_netascii(job_.upload) : job_.upload;
  for (const std::string* arg : {&job_.path, &job_.user, &job_.password}) {
    if (!safe_argument(*arg)) fail("a line break or NUL in a path, user or password");
  }
}

void ClientSession::send(std::string_view verb, std::string_view arg) {
  out_ += format_command(verb, arg);
  transcript_.push_back("> " + std::string(verb) + (arg.empty() ? "" : " ") +
                        (verb == "PASS" ? std::string("****") : std::string(arg)));
}

void ClientSession::on_control(std::string_view bytes) {
  in_.push(bytes);
  while (auto r = in_.next()) {
    if (step_ == Step::done) return;
    if (!*r) {
      fail("the server's reply: " + r->error());
      continue;
    }
    transcript_.push_back("< " + std::to_string((*r)->code) + " " + (*r)->text());
    on_reply(**r);
  }
}

void ClientSession::on_control_closed(const std::string& why) {
  if (step_ == Step::done) return;
  if (step_ == Step::quit) {  // QUIT sent: the close is its answer
    step_ = Step::done;
    return;
  }
  if (result_.error.empty()) result_.error = "the control connection ended: " + why;
  result_.ok = false;
  step_ = Step::done;
}

void ClientSession::fail(const std::string& why) {
  if (step_ == Step::done || step_ == Step::quit) return;
  result_.ok = false;
  if (result_.error.empty()) result_.error = why;
  if (step_ == Step::greeting) {  // nothing to say goodbye to
    step_ = Step::done;
    return;
  }
  step_ = Step::quit;
  send("QUIT");
}

void ClientSession::on_reply(const Reply& r) {
  const auto refused = [&] { fail(std::to_string(r.code) + " " + r.text()); };
  if (r.code == 421) return refused();  // the server is closing, whatever we were doing
  switch (step_) {
    case Step::greeting:
      if (r.code == 120) return;  // "ready in a moment"
      if (r.code != 220) return refused();
      step_ = Step::user;
      return send("USER", job_.user);
    case Step::user:
      if (r.code == 230) break;  // no password needed
      if (r.code != 331) return refused();
      step_ = Step::pass;
      return send("PASS", job_.password);
    case Step::pass:
      if (r.code != 230 && r.code != 202) return refused();
      break;
    case Step::type:
      if (r.code != 200) return refused();
      return start_setup();
    case Step::setup:
      if (job_.active) {
        if (r.code == 200) return start_transfer();
        if (r.code >= 500 && !tried_fallback_ && listening_ && listening_->addr.is_v4()) {
          tried_fallback_ = true;  // a server without RFC 2428: PORT
          return send("PORT", format_port_arg(*listening_));
        }
        return refused();
      }
      if (r.code == 229 || r.code == 227) {
        if (r.code == 229) {
          auto port = parse_epsv_reply(r.text());
          if (!port) return fail("229 reply: " + port.error());
          passive_ = IpEndpoint{ends_.server.addr, *port};
        } else {
          auto at = parse_pasv_reply(r.text());
          if (!at) return fail("227 reply: " + at.error());
          passive_ = IpEndpoint{ends_.server.addr, at->port};  // its address ignored (see the file comment)
        }
        data_step_ = DataStep{.kind = DataStep::Kind::connect, .to = *passive_};
        return start_transfer();
      }
      if (r.code >= 500 && !tried_fallback_ && ends_.server.addr.is_v4()) {
        tried_fallback_ = true;  // EPSV refused: PASV
        return send("PASV");
      }
      return refused();
    case Step::rest:
      if (r.code != 350) return refused();
      step_ = Step::transfer;
      return send("RETR", job_.path);
    case Step::transfer:
      if (r.code == 150 || r.code == 125) {
        got_mark_ = true;
        return;
      }
      if (r.code == 226 || r.code == 250) {
        got_complete_ = true;
        return finish_if_complete();
      }
      return refused();
    case Step::quit:
      step_ = Step::done;
      return;
    case Step::done:
      return;
  }
  // Logged in: the representation type next.
  step_ = Step::type;
  const bool listing = job_.op == ClientJob::Op::list || job_.op == ClientJob::Op::nlst;
  send("TYPE", listing || job_.ascii ? "A" : "I");
}

void ClientSession::start_setup() {
  step_ = Step::setup;
  if (job_.active) {
    data_step_ = DataStep{.kind = DataStep::Kind::listen, .to = {}};
    return;  // EPRT once the runner says where it listens
  }
  send("EPSV");
}

void ClientSession::on_listening(const IpEndpoint& local) {
  if (step_ != Step::setup || !job_.active) return;
  listening_ = local;
  send("EPRT", format_eprt_arg(local));
}

void ClientSession::start_transfer() {
  if (job_.op == ClientJob::Op::get && job_.rest > 0) {
    step_ = Step::rest;
    return send("REST", std::to_string(job_.rest));
  }
  step_ = Step::transfer;
  switch (job_.op) {
    case ClientJob::Op::get: return send("RETR", job_.path);
    case ClientJob::Op::put: return send("STOR", job_.path);
    case ClientJob::Op::list: return send("LIST", job_.path);
    case ClientJob::Op::nlst: return send("NLST", job_.path);
  }
}

void ClientSession::on_data_done(Result<std::string, std::string> outcome) {
  if (step_ != Step::transfer && step_ != Step::rest && step_ != Step::setup) return;
  if (!outcome) return fail("the data connection: " + outcome.error());
  data_ended_ = true;
  if (job_.op == ClientJob::Op::put) {
    result_.sent = upload_.size();
  } else {
    const bool ascii = job_.ascii || job_.op != ClientJob::Op::get;
    result_.data = ascii ? from_netascii(*outcome) : std::move(*outcome);
  }
  finish_if_complete();
}

void ClientSession::finish_if_complete() {
  if (!got_complete_ || !data_ended_) return;
  result_.ok = true;
  step_ = Step::quit;
  send("QUIT");
}

}  // namespace wirestack::ftp
