"""probes_open.py — RFC 9293 3.10.7.1-3.10.7.3 and SYN-RECEIVED: segments
arriving for no connection (CLOSED), at a listener (LISTEN), during a
passive open (SYN-RECEIVED) and during the SUT's active open (SYN-SENT).
Each probe's docstring is the rule it checks; its body, the observable."""
from harness import (OUR_MSS, SCALE, Conn, ProbeFail, add, ack_of, flags, has, payload, probe, sut_syn)

CLOSED_PORT = 4321  # no listener on either target


# --- CLOSED (3.10.7.1) ---

@probe("9293 3.10.7.1", "If the ACK bit is off, sequence number zero is used, "
       "<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>")
def closed_syn_gets_rst_ack(t):
    c = Conn(t.wire, t.port(), CLOSED_PORT)
    c.send("S", options=[("MSS", OUR_MSS)])
    c.expect("RST,ACK with SEQ=0 ACK=ISS+1",
             lambda s: has(s, "RA") and s["TCP"].seq == 0 and ack_of(s) == add(c.iss, 1))


@probe("9293 3.10.7.1", "If the ACK bit is on, <SEQ=SEG.ACK><CTL=RST>")
def closed_ack_gets_rst(t):
    c = Conn(t.wire, t.port(), CLOSED_PORT)
    c.send("A", ack=0x12345678)
    c.expect("RST with SEQ=SEG.ACK and no ACK bit", lambda s: flags(s) == "R" and s["TCP"].seq == 0x12345678)


@probe("9293 3.10.7.1", "An incoming segment containing a RST is discarded.")
def closed_rst_ignored(t):
    c = Conn(t.wire, t.port(), CLOSED_PORT)
    c.send("RA", ack=0x1000)
    c.silence("no answer to a RST")


@probe("9293 3.10.7.1", "An incoming segment not containing a RST causes a RST to be sent in response "
       "(text without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>)")
def closed_text_without_ack_gets_rst_ack(t):
    c = Conn(t.wire, t.port(), CLOSED_PORT)
    c.send("P", data=b"0123456789")
    c.expect("RST,ACK with SEQ=0 ACK=SEG.SEQ+10",
             lambda s: has(s, "RA") and s["TCP"].seq == 0 and ack_of(s) == add(c.iss, 10))


# --- LISTEN (3.10.7.2) ---

@probe("9293 3.10.7.2", "An incoming RST segment could not be valid ... An incoming RST should be ignored.")
def listen_rst_ignored(t):
    c = t.conn("discard")
    c.send("R")
    c.silence("no answer to a RST at a listener")


@probe("9293 3.10.7.2", "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state. "
       "... <SEQ=SEG.ACK><CTL=RST>")
def listen_ack_gets_rst(t):
    c = t.conn("discard")
    c.send("A", ack=0x2468ACE0)
    c.expect("RST with SEQ=SEG.ACK", lambda s: flags(s) == "R" and s["TCP"].seq == 0x2468ACE0)


@probe("9293 3.10.7.2", "Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ ... <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>")
def listen_syn_gets_syn_ack(t):
    c = t.conn("discard")
    c.send("S", options=[("MSS", OUR_MSS)], advance=True)
    sa = c.expect("SYN,ACK acknowledging ISS+1", lambda s: has(s, "SA") and ack_of(s) == c.snd_nxt)
    if not any(o[0] == "MSS" for o in sa["TCP"].options):
        raise ProbeFail("the SYN-ACK carries no MSS option")


@probe("9293 3.10.7.2", "any other control or text should be queued for processing later "
       "(the SYN-ACK acknowledges the SYN: <ACK=RCV.NXT> with RCV.NXT = SEG.SEQ+1)")
def listen_syn_with_text_acks_the_syn(t):
    c = t.conn("discard")
    c.send("S", data=b"early text", options=[("MSS", OUR_MSS)])
    c.expect("SYN,ACK with ACK=ISS+1", lambda s: has(s, "SA") and ack_of(s) == add(c.iss, 1))


@probe("9293 3.10.7.2", "Any other control or text-bearing segment (not containing SYN) must have an ACK ... "
       "if you do [get here], drop the segment and return.")
def listen_text_without_ack_dropped(t):
    c = t.conn("discard")
    c.send("P", data=b"no ack bit")
    c.silence("no answer to text without ACK at a listener")


# --- SYN-RECEIVED (passive open; 3.10.7.4) ---

@probe("9293 3.10.7.4", "SYN-RECEIVED: If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state "
       "and continue processing (the ACK's text is taken)")
def synrcvd_ack_with_text_establishes(t):
    c = t.conn("echo")
    c.handshake(complete=False)
    c.send("PA", data=b"hello in the third segment", advance=True)
    s = c.expect("the echo of the text", lambda s: len(payload(s)) > 0, timeout=1.0)
    if payload(s) != b"hello in the third segment" or ack_of(s) != c.snd_nxt:
        raise ProbeFail(f"echo {payload(s)!r} {c.describe(s)}")


@probe("9293 3.10.7.4", "SYN-RECEIVED: If the segment acknowledgment is not acceptable, form a reset segment "
       "<SEQ=SEG.ACK><CTL=RST>")
def synrcvd_bad_ack_gets_rst(t):
    c = t.conn("discard")
    c.handshake(complete=False)
    bad = add(c.snd_nxt, 1000)
    c.send("A", ack=bad)
    c.expect("RST with SEQ=SEG.ACK", lambda s: "R" in flags(s) and s["TCP"].seq == bad)


@probe("9293 3.10.7.4", "SYN-RECEIVED, RST bit: If this connection was initiated with a passive OPEN ... "
       "then return this connection to LISTEN state and return.")
def synrcvd_rst_returns_to_listen(t):
    c = t.conn("discard")
    c.handshake(complete=False)
    c.send("R", seq=c.snd_nxt)
    c.silence("no answer to the RST", 0.3)
    c.send("A")  # the handshake's ACK, now for a connection that is gone
    c.expect("RST <SEQ=SEG.ACK> for the late ACK", lambda s: "R" in flags(s) and s["TCP"].seq == c.rcv_nxt)


@probe("9293 3.10.7.4", "SYN-RECEIVED, SYN bit: If the connection was initiated with a passive OPEN, then return "
       "this connection to the LISTEN state and return.")
def synrcvd_syn_in_window_returns_to_listen(t):
    c = t.conn("discard")
    c.handshake(complete=False)
    c.send("S", seq=add(c.snd_nxt, 10))
    c.collect(0.3)  # whatever answers the SYN (a RST or nothing), the half-open connection must be gone
    c.send("A")
    c.expect("RST <SEQ=SEG.ACK> for the late ACK", lambda s: "R" in flags(s) and s["TCP"].seq == c.rcv_nxt)


@probe("9293 3.10.7.4", "If an incoming segment is not acceptable, an acknowledgment should be sent "
       "(SYN-RECEIVED: the SYN sent again is answered with ACK=IRS+1, the connection kept)")
def synrcvd_duplicate_syn_reanswered(t):
    c = t.conn("echo")
    c.handshake(complete=False)
    c.send("S", seq=c.iss, options=[("MSS", OUR_MSS)])
    c.expect("a segment acknowledging ISS+1", lambda s: ack_of(s) == c.snd_nxt and "R" not in flags(s))
    c.send("A")
    c.echo_round(20)


# --- SYN-SENT (3.10.7.3): the SUT connects to us ---

def _synack(c, syn, ack=None):
    c.send("SA", seq=c.iss, ack=add(syn["TCP"].seq, 1) if ack is None else ack, options=[("MSS", OUR_MSS)])


@probe("9293 3.10.7.3", "If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED, "
       "form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>")
def synsent_syn_ack_establishes(t):
    c, proc, syn = sut_syn(t)
    try:
        _synack(c, syn)
        c.expect("ACK with SEQ=ISS+1 ACK=our ISS+1", lambda s: flags(s) in ("A", "PA") and
                 s["TCP"].seq == add(syn["TCP"].seq, 1) and ack_of(s) == add(c.iss, 1))
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset ... <SEQ=SEG.ACK><CTL=RST>")
def synsent_bad_ack_gets_rst(t):
    c, proc, syn = sut_syn(t)
    try:
        bad = add(syn["TCP"].seq, 1000)
        _synack(c, syn, ack=bad)
        c.expect("RST with SEQ=SEG.ACK", lambda s: "R" in flags(s) and s["TCP"].seq == bad)
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "If the ACK bit is set ... [unacceptable] (unless the RST bit is set, if so drop the segment "
       "and return)")
def synsent_rst_with_bad_ack_ignored(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("RA", seq=0, ack=add(syn["TCP"].seq, 1000))
        c.silence("no answer to a RST with a bad ACK", 0.3, lambda s: "S" not in flags(s))
        _synack(c, syn)  # the SUT is still in SYN-SENT
        c.expect("the ACK of our SYN-ACK (the connection survived)",
                 lambda s: flags(s) in ("A", "PA") and ack_of(s) == add(c.iss, 1), timeout=1.0)
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "If the ACK was acceptable, then signal to the user 'error: connection reset', drop the "
       "segment, enter CLOSED state")
def synsent_rst_with_good_ack_refuses(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("RA", seq=0, ack=add(syn["TCP"].seq, 1))
        if not proc.refused(2.0 * SCALE):
            raise ProbeFail(f"the application was not told 'refused' ({proc.output()!r})")
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "If the RST bit is set ... Otherwise (no ACK), drop the segment and return.")
def synsent_rst_without_ack_ignored(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("R", seq=0)
        c.silence("no answer to a RST without ACK", 0.3, lambda s: "S" not in flags(s))
        _synack(c, syn)
        c.expect("the ACK of our SYN-ACK (the connection survived)",
                 lambda s: flags(s) in ("A", "PA") and ack_of(s) == add(c.iss, 1), timeout=1.0)
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "Fifth, if neither of the SYN or RST bits is set, then drop the segment and return.")
def synsent_ack_without_syn_dropped(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("A", seq=c.iss, ack=add(syn["TCP"].seq, 1))
        c.silence("no answer to an acceptable ACK without SYN", 0.3, lambda s: "S" not in flags(s))
        _synack(c, syn)
        c.expect("the ACK of our SYN-ACK", lambda s: flags(s) in ("A", "PA") and ack_of(s) == add(c.iss, 1),
                 timeout=1.0)
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> "
       "(simultaneous open)")
def synsent_simultaneous_open(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("S", seq=c.iss, options=[("MSS", OUR_MSS)], advance=True)
        sa = c.expect("SYN,ACK with SEQ=its ISS and ACK=our ISS+1", lambda s: has(s, "SA") and
                      s["TCP"].seq == syn["TCP"].seq and ack_of(s) == c.snd_nxt)
        c.send("A", seq=c.snd_nxt, ack=add(sa["TCP"].seq, 1))
        c.silence("no RST: the simultaneous open completed", 0.3, lambda s: "R" in flags(s))
    finally:
        proc.stop()


@probe("5961 3.2", "If the RST bit is set and the sequence number is outside the current receive window, silently "
       "drop the segment (SYN-RECEIVED: the handshake then completes)")
def synrcvd_rst_outside_window_ignored(t):
    c = t.conn("echo")
    c.handshake(complete=False)
    c.send("R", seq=add(c.snd_nxt, c.wnd + 1000))
    c.silence("no answer to the RST", 0.3, lambda s: "S" not in flags(s))
    c.send("A")
    c.echo_round(20)


@probe("9293 3.10.7.4", "If an incoming segment is not acceptable, an acknowledgment should be sent in reply "
       "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (SYN-RECEIVED, SEG.SEQ beyond the window)")
def synrcvd_unacceptable_seq_acked(t):
    c = t.conn("discard")
    c.handshake(complete=False)
    c.send("A", seq=add(c.snd_nxt, c.wnd + 1000))
    c.expect("ACK <SEQ=ISS+1><ACK=RCV.NXT>", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt and
             s["TCP"].seq == c.rcv_nxt)


@probe("9293 3.10.7.4", "Do not process the FIN if the state is CLOSED, LISTEN, or SYN-SENT since the SEG.SEQ "
       "cannot be validated (SYN-SENT: a FIN,ACK without SYN is dropped, the SYN-ACK then counts no FIN)")
def synsent_fin_dropped(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("FA", seq=c.iss, ack=add(syn["TCP"].seq, 1))
        c.silence("no answer to a FIN in SYN-SENT", 0.3, lambda s: "S" not in flags(s))
        _synack(c, syn)
        c.expect("the ACK of our SYN-ACK, ACK=our ISS+1", lambda s: flags(s) in ("A", "PA") and
                 ack_of(s) == add(c.iss, 1), timeout=1.0)
    finally:
        proc.stop()


@probe("9293 3.10.7.3", "If there are other controls or text in the segment, then continue processing at the sixth "
       "step below where the URG bit is checked (text in the SYN,ACK is taken and acknowledged)",
       linux="Linux (tcp_rcv_state_process, SYN-SENT) drops text that comes with a SYN,ACK outside TCP Fast Open: "
       "the peer sends it again")
def synsent_syn_ack_with_text(t):
    c, proc, syn = sut_syn(t)
    try:
        c.send("SA", seq=c.iss, ack=add(syn["TCP"].seq, 1), options=[("MSS", OUR_MSS)], data=b"hello")
        c.expect("an ACK of the SYN and its 5 octets", lambda s: "A" in flags(s) and ack_of(s) == add(c.iss, 6),
                 timeout=1.0)
    finally:
        proc.stop()
