"""probes_close.py — RFC 9293 3.10.7.4 eighth step (the FIN bit) and the
closing states: CLOSE-WAIT and LAST-ACK (we close first, on the echo and
discard services), FIN-WAIT-1, FIN-WAIT-2, CLOSING and TIME-WAIT (the SUT
closes first: its "closer" service answers a request and closes)."""
from harness import (OUR_MSS, ProbeFail, add, ack_of, flags, has, payload, probe)

REQUEST = b"GET /index.html HTTP/1.0\r\n\r\n"


def est(t, service="discard"):
    c = t.conn(service)
    c.handshake()
    return c


# --- We close first: the SUT goes CLOSE-WAIT, then LAST-ACK ---

@probe("9293 3.10.7.4", "eighth, check the FIN bit: ... advance RCV.NXT over the FIN, and send an acknowledgment "
       "for the FIN (ESTABLISHED: enter the CLOSE-WAIT state)")
def fin_acked(t):
    c = est(t)
    c.send("FA", advance=True)
    c.acked("the ACK of the FIN", c.snd_nxt)


@probe("9293 3.10.7.4", "eighth, check the FIN bit (text and FIN in one segment: the text delivered, the FIN "
       "acknowledged, the echo service then closes: LAST-ACK)")
def fin_with_text(t):
    c = est(t, "echo")
    c.send("FPA", data=b"last words", advance=True)
    back, fin = b"", None
    while fin is None:
        s = c.expect("the echo and the server's FIN", lambda s: len(payload(s)) > 0 or "F" in flags(s), timeout=1.0)
        back += payload(s)
        if "F" in flags(s):
            fin = s
    if back != b"last words" or ack_of(fin) != c.snd_nxt:
        raise ProbeFail(f"echo {back!r}, FIN {c.describe(fin)}")


@probe("9293 3.10.7.4", "Segments with higher beginning sequence numbers may be held for later processing (a FIN "
       "beyond a hole is not processed until the hole is filled)")
def fin_out_of_order_held(t):
    c = est(t)
    c.send("FPA", seq=add(c.snd_nxt, 10), data=b"tail")
    c.acked("ACK=RCV.NXT (the FIN not yet taken)", c.snd_nxt, timeout=0.4)
    c.send("PA", data=b"h" * 10, advance=True)
    c.acked("the hole, the tail and the FIN", add(c.snd_nxt, 4 + 1))


def fin_seq(s):
    """the sequence number of a segment's FIN (after its text)"""
    return add(s["TCP"].seq, len(payload(s)))


def _last_ack(t):
    """A discard connection we closed: the SUT's FIN is in; it is in LAST-ACK."""
    c = est(t)
    c.send("FA", advance=True)
    fin = c.expect("the SUT's FIN", lambda s: "F" in flags(s), timeout=1.0)
    return c, fin_seq(fin)


@probe("9293 3.10.7.4", "LAST-ACK STATE: The only thing that can arrive in this state is an acknowledgment of our "
       "FIN. If our FIN is now acknowledged, delete the TCB, enter the CLOSED state, and return.")
def last_ack_ack_closes(t):
    c, fin = _last_ack(t)
    c.rcv_nxt = add(fin, 1)
    c.send("A")
    c.silence("no answer to the last ACK", 0.3)
    c.send("A")  # a segment for a connection that is gone (CLOSED: ACK bit on)
    c.expect("RST <SEQ=SEG.ACK> (the TCB is gone)", lambda s: "R" in flags(s) and s["TCP"].seq == c.rcv_nxt)


@probe("9293 3.10.7.4", "LAST-ACK STATE: Remain in the LAST-ACK state (our FIN sent again is old: it is "
       "acknowledged again)")
def last_ack_duplicate_fin_reacked(t):
    c, fin = _last_ack(t)
    c.send("FA", seq=add(c.snd_nxt, -1), ack=fin)
    c.expect("an ACK of our FIN", lambda s: ack_of(s) == c.snd_nxt and "R" not in flags(s))
    c.rcv_nxt = add(fin, 1)
    c.send("A")


@probe("9293 3.10.7.4", "If an incoming segment is not acceptable, an acknowledgment should be sent in reply "
       "(CLOSE-WAIT/LAST-ACK: text after the FIN lies below RCV.NXT... or beyond it: never taken)")
def last_ack_text_after_fin_not_taken(t):
    c, fin = _last_ack(t)
    c.send("PA", seq=c.snd_nxt, ack=fin, data=b"after the FIN")
    s = c.wait(lambda s: ack_of(s) is not None and ack_of(s) != c.snd_nxt, 0.4)
    if s is not None:
        raise ProbeFail(f"text after our FIN moved the ACK: {c.describe(s)}")


# --- The SUT closes first: FIN-WAIT-1, FIN-WAIT-2, CLOSING, TIME-WAIT ---

def _closer(t):
    """A request to the closer service; returns (conn, its FIN) with the
    response's text acknowledged, the FIN not: the SUT is in FIN-WAIT-1."""
    c = est(t, "closer")
    c.send("PA", data=REQUEST, advance=True)
    fin = c.expect("the response and the SUT's FIN", lambda s: "F" in flags(s), timeout=2.0)
    if c.rcv_nxt != fin_seq(fin):  # the response's text, in order before the FIN
        raise ProbeFail(f"the response is not all in (RCV.NXT=IRS+{(c.rcv_nxt - c.irs) % (1 << 32)}, "
                        f"FIN {c.describe(fin)})")
    return c, fin_seq(fin)


def _fin_wait_2(t):
    c, fin = _closer(t)
    c.rcv_nxt = add(fin, 1)
    c.send("A")
    return c


@probe("9293 3.10.7.4", "FIN-WAIT-1 STATE: If our FIN has been ACKed (perhaps in this segment), then enter "
       "TIME-WAIT ...; otherwise, enter the CLOSING state (simultaneous close: our FIN is acknowledged)")
def fin_wait_1_fin_enters_closing(t):
    c, fin = _closer(t)
    c.send("FA", advance=True)  # ACKs the response's text, not the FIN
    c.expect("the ACK of our FIN", lambda s: ack_of(s) == c.snd_nxt and "R" not in flags(s))


@probe("9293 3.10.7.4", "CLOSING STATE: if the ACK acknowledges our FIN, then enter the TIME-WAIT state "
       "(TIME-WAIT then acknowledges a retransmitted FIN)")
def closing_ack_enters_time_wait(t):
    c, fin = _closer(t)
    c.send("FA", advance=True)
    c.expect("the ACK of our FIN", lambda s: ack_of(s) == c.snd_nxt and "R" not in flags(s))
    c.rcv_nxt = add(fin, 1)
    c.send("A")
    c.send("FA", seq=add(c.snd_nxt, -1))
    c.expect("an ACK of the retransmitted FIN", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)


@probe("9293 3.10.7.4", "FIN-WAIT-1 STATE: ... if the FIN segment is now acknowledged, then enter FIN-WAIT-2 "
       "(nothing to answer)")
def fin_wait_1_ack_enters_fin_wait_2(t):
    c = _fin_wait_2(t)
    c.silence("no answer to the ACK of the FIN", 0.3)


@probe("9293 3.10.7.4", "FIN-WAIT-2 STATE: Enter the TIME-WAIT state (the FIN is acknowledged)")
def fin_wait_2_fin_acked(t):
    c = _fin_wait_2(t)
    c.send("FA", advance=True)
    c.expect("the ACK of our FIN", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)


@probe("9293 3.10.7.4", "TIME-WAIT STATE: The only thing that can arrive in this state is a retransmission of the "
       "remote FIN. Acknowledge it, and restart the 2 MSL timeout.")
def time_wait_fin_reacked(t):
    c = _fin_wait_2(t)
    c.send("FA", advance=True)
    c.acked("the ACK of our FIN", c.snd_nxt)
    c.send("FA", seq=add(c.snd_nxt, -1))
    c.expect("the FIN acknowledged again", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)


@probe("9293 3.6.1", "it MAY accept a new SYN from the remote TCP endpoint to reopen the connection directly from "
       "TIME-WAIT state, if it ... assigns its initial sequence number for the new connection to be larger than "
       "the largest sequence number it used on the previous connection incarnation (MAY-2)")
def time_wait_new_syn_reopens(t):
    c = _fin_wait_2(t)
    c.send("FA", advance=True)
    c.acked("the ACK of our FIN", c.snd_nxt)
    c2 = t.conn("closer", sport=c.sport)
    c2.iss = add(c.snd_nxt, 100000)
    c2.snd_nxt = c2.iss
    c2.handshake()
    c2.send("PA", data=REQUEST, advance=True)
    c2.expect("the new incarnation's response", lambda s: len(payload(s)) > 0, timeout=1.0)


@probe("9293 3.6.1", "if new data is received after CLOSE is called, its TCP implementation SHOULD send a RST to "
       "show that data was lost (SHLD-2)")
def fin_wait_2_text_after_close_resets(t):
    c = _fin_wait_2(t)
    c.send("PA", data=b"too late", advance=True)
    c.expect("a RST", lambda s: "R" in flags(s), timeout=0.5)


@probe("9293 3.10.7.4", "Do not process the FIN if the state is CLOSED, LISTEN, or SYN-SENT since the SEG.SEQ "
       "cannot be validated (a FIN at a listener: no connection, no ACK of it)")
def listen_fin_not_processed(t):
    c = t.conn("discard")
    c.send("F")
    c.silence("no answer to a FIN without ACK at a listener")


@probe("9293 3.10.7.4", "SYN-RECEIVED STATE ... Enter the CLOSE-WAIT state (a FIN completing the handshake: "
       "acknowledged)")
def synrcvd_ack_with_fin(t):
    c = t.conn("discard")
    c.handshake(complete=False)
    c.send("FA", advance=True)
    c.expect("the ACK of the FIN", lambda s: ack_of(s) == c.snd_nxt and not has(s, "R"), timeout=1.0)


@probe("9293 3.10.7.4", "second, check the RST bit: CLOSING STATE, LAST-ACK STATE, TIME-WAIT: If the RST bit is set, "
       "then enter the CLOSED state, delete the TCB, and return (LAST-ACK)")
def last_ack_rst_closes(t):
    c, fin = _last_ack(t)
    c.send("R", seq=c.snd_nxt)
    c.silence("no answer to the RST", 0.3, lambda s: "F" not in flags(s))
    c.rcv_nxt = add(fin, 1)
    c.send("A")
    c.expect("RST <SEQ=SEG.ACK> (the TCB is gone)", lambda s: "R" in flags(s) and s["TCP"].seq == c.rcv_nxt)


@probe("9293 3.6.1", "(2) returns to TIME-WAIT state if the SYN turns out to be an old duplicate (MAY-2: a SYN below "
       "RCV.NXT does not reopen the connection; it is not acceptable and is acknowledged)")
def time_wait_old_syn_acked(t):
    c = _fin_wait_2(t)
    c.send("FA", advance=True)
    c.acked("the ACK of our FIN", c.snd_nxt)
    c.send("S", seq=add(c.snd_nxt, -1000), options=[("MSS", OUR_MSS)])
    s = c.wait(lambda s: True, 0.5)
    if s is not None and (has(s, "SA") or ack_of(s) != c.snd_nxt):
        raise ProbeFail(f"an old SYN in TIME-WAIT got {c.describe(s)}")
