"""probes_sync.py — RFC 9293 3.10.7.4 in a synchronized state (ESTABLISHED)
and RFC 5961: the sequence-number acceptability table, the RST, SYN and ACK
checks (challenge ACKs and their rate limit), window updates (SND.WL1/WL2),
URG and segment text. Every probe opens its own connection."""
import time

from harness import (OUR_MSS, SCALE, ProbeFail, add, ack_of, before, flags, has, payload, probe)


def est(t, service="discard"):
    c = t.conn(service)
    c.handshake()
    return c


def not_rst(s):
    return "R" not in flags(s)


# --- First: the sequence number (the table of 3.10.7.4) ---

@probe("9293 3.10.7.4", "length 0, window >0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND (an ACK at RCV.NXT is "
       "acceptable: nothing to answer)")
def seq_empty_at_rcv_nxt_accepted(t):
    c = est(t)
    c.send("A")
    c.silence("no answer to an acceptable pure ACK")


@probe("9293 3.10.7.4", "length 0, window >0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND (inside the window, past "
       "RCV.NXT: acceptable)")
def seq_empty_inside_window_accepted(t):
    c = est(t)
    c.send("A", seq=add(c.snd_nxt, 100))
    c.silence("no answer to an acceptable pure ACK inside the window")


@probe("9293 3.10.7.4", "If an incoming segment is not acceptable, an acknowledgment should be sent in reply "
       "<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (length 0, SEG.SEQ below RCV.NXT)")
def seq_empty_old_acked(t):
    c = est(t)
    c.send("A", seq=add(c.snd_nxt, -1))
    c.expect("ACK <SEQ=SND.NXT><ACK=RCV.NXT>", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt and
             s["TCP"].seq == c.rcv_nxt)


@probe("9293 3.10.7.4", "If an incoming segment is not acceptable, an acknowledgment should be sent in reply "
       "(length 0, SEG.SEQ beyond RCV.NXT+RCV.WND)")
def seq_empty_beyond_window_acked(t):
    c = est(t)
    c.send("A", seq=add(c.snd_nxt, c.wnd + 1000))
    c.expect("ACK <SEQ=SND.NXT><ACK=RCV.NXT>", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)


@probe("9293 3.10.7.4", "Send an acknowledgment of the form <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> "
       "(in-order text is taken and acknowledged; MUST-58: within 0.5 s)")
def text_in_order_acked(t):
    c = est(t)
    c.send("PA", data=b"x" * 100, advance=True)
    c.acked("the text", c.snd_nxt, timeout=0.6)


@probe("9293 3.10.7.4", "If an incoming segment is not acceptable, an acknowledgment should be sent "
       "(text entirely below RCV.NXT: an old duplicate)")
def seq_old_text_acked(t):
    c = est(t)
    c.send("PA", data=b"0123456789", advance=True)
    c.acked("the text", c.snd_nxt)
    c.send("PA", seq=add(c.snd_nxt, -10), data=b"0123456789")
    c.acked("the duplicate", c.snd_nxt, timeout=0.3)


@probe("9293 3.10.7.4", "RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND: acceptable; if a segment's contents "
       "straddle the boundary between old and new, only the new parts are processed")
def seq_text_straddling_left_edge(t):
    c = est(t)
    c.send("PA", data=b"0123456789", advance=True)
    c.acked("the text", c.snd_nxt)
    c.send("PA", seq=add(c.snd_nxt, -5), data=b"56789abcde")
    c.acked("the five new octets", add(c.snd_nxt, 5))


@probe("9293 3.10.7.4", "Segments with higher beginning sequence numbers may be held for later processing "
       "(a hole is answered with ACK=RCV.NXT; once filled, everything is acknowledged)")
def seq_out_of_order_held(t):
    c = est(t)
    c.send("PA", seq=add(c.snd_nxt, 10), data=b"B" * 10)
    c.acked("a duplicate ACK for the hole", c.snd_nxt, timeout=0.4)
    c.send("PA", data=b"A" * 10, advance=True)
    c.acked("the hole and the held text", add(c.snd_nxt, 10))


@probe("9293 3.10.7.4", "length >0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND ... (text starting at RCV.NXT+RCV.WND "
       "is not acceptable: ACK and drop, it is never taken)")
def seq_text_beyond_window_not_taken(t):
    c = est(t)
    wnd = c.wnd
    c.send("PA", seq=add(c.snd_nxt, wnd), data=b"EDGE")
    c.acked("ACK=RCV.NXT for text at the window's edge", c.snd_nxt, timeout=0.4)
    segs, off = [], 0
    while off < wnd:  # fill the whole window we were given
        n = min(OUR_MSS, wnd - off)
        segs.append(c.seg("A", seq=add(c.snd_nxt, off), data=b"w" * n))
        off += n
    c.send_many(segs)
    end = add(c.snd_nxt, wnd)
    s = c.expect("the ACK of the whole window", lambda s: not before(ack_of(s) or c.snd_nxt, end), timeout=1.0)
    if ack_of(s) != end:
        raise ProbeFail(f"the window was {wnd}; the ACK covers {(ack_of(s) - c.snd_nxt) % (1 << 32)} octets "
                        "(the out-of-window text was taken)")
    c.snd_nxt = end


# --- Second: the RST bit (RFC 5961 3.2) ---

@probe("5961 3.2", "If the RST bit is set and the sequence number exactly matches the next expected sequence "
       "number (RCV.NXT), then TCP endpoints MUST reset the connection")
def rst_exact_resets(t):
    c = est(t)
    c.send("R")
    c.silence("no answer to the RST", 0.3)
    c.reset_check("after the RST")


@probe("5961 3.2", "... exactly matches ... RCV.NXT ... MUST reset the connection (RST with the ACK bit)")
def rst_ack_exact_resets(t):
    c = est(t, "echo")
    c.echo_round(20)
    c.send("RA")
    c.silence("no answer to the RST", 0.3)
    c.reset_check("after the RST")


@probe("5961 3.2", "If the RST bit is set and the sequence number does not exactly match the next expected "
       "sequence value, yet is within the current receive window, TCP endpoints MUST send an acknowledgment "
       "(challenge ACK): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>")
def rst_in_window_challenge_ack(t):
    c = est(t)
    c.send("R", seq=add(c.snd_nxt, 1))
    c.expect("a challenge ACK", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt and s["TCP"].seq == c.rcv_nxt)
    c.still_alive()


@probe("5961 3.2", "If the RST bit is set and the sequence number is outside the current receive window, silently "
       "drop the segment (beyond the right edge)")
def rst_beyond_window_silent(t):
    c = est(t)
    c.send("R", seq=add(c.snd_nxt, c.wnd + 100))
    c.silence("silence for a RST beyond the window")
    c.still_alive()


@probe("5961 3.2", "If the RST bit is set and the sequence number is outside the current receive window, silently "
       "drop the segment (below RCV.NXT)")
def rst_old_silent(t):
    c = est(t)
    c.send("PA", data=b"z" * 50, advance=True)
    c.acked("the text", c.snd_nxt)
    c.send("R", seq=add(c.snd_nxt, -20))
    c.silence("silence for an old RST")
    c.still_alive()


@probe("5961 7", "An implementation SHOULD include an ACK throttling mechanism ... (20 in-window RSTs in a burst "
       "get fewer than 20 challenge ACKs, at least one)")
def rst_challenge_acks_rate_limited(t):
    c = est(t)
    c.send_many([c.seg("R", seq=add(c.snd_nxt, 1 + i)) for i in range(20)])
    got = c.collect(0.4, lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)
    if not 1 <= len(got) < 20:
        raise ProbeFail(f"{len(got)} challenge ACKs for 20 RSTs")
    c.still_alive()


# --- Fourth: the SYN bit (RFC 5961 4.2) ---

@probe("5961 4.2", "If the SYN bit is set, irrespective of the sequence number, TCP MUST send an ACK (also referred "
       "to as challenge ACK) to the remote peer (SYN inside the window)")
def syn_in_window_challenge_ack(t):
    c = est(t)
    c.send("S", seq=add(c.snd_nxt, 10), options=[("MSS", OUR_MSS)])
    c.expect("a challenge ACK (no RST, no SYN)", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)
    c.still_alive()


@probe("5961 4.2", "If the SYN bit is set, irrespective of the sequence number, TCP MUST send an ACK (SYN below "
       "RCV.NXT)")
def syn_old_challenge_ack(t):
    c = est(t)
    c.send("S", seq=add(c.snd_nxt, -1000), options=[("MSS", OUR_MSS)])
    c.expect("a challenge ACK (no RST, no SYN)", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)
    c.still_alive()


@probe("5961 4.2", "... irrespective of the sequence number ... (a SYN,ACK repeating our handshake on an "
       "established connection: an ACK, the connection kept)")
def syn_ack_in_established_challenge_ack(t):
    c = est(t)
    c.send("SA", seq=c.iss, options=[("MSS", OUR_MSS)])
    c.expect("an ACK (no RST)", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)
    c.still_alive()


# --- Fifth: the ACK field ---

@probe("9293 3.10.7.4", "fifth, check the ACK field: if the ACK bit is off, drop the segment and return "
       "(its text is not taken)")
def ack_bit_off_text_dropped(t):
    c = est(t)
    c.send("P", data=b"N" * 10)
    c.silence("no answer to text without ACK", 0.3)
    c.send("PA", seq=add(c.snd_nxt, 10), data=b"M" * 10)
    c.acked("ACK=RCV.NXT: the text without ACK was not taken", c.snd_nxt, timeout=0.4)


@probe("9293 3.10.7.4", "If the ACK is a duplicate (SEG.ACK =< SND.UNA), it can be ignored.")
def ack_duplicate_ignored(t):
    c = est(t, "echo")
    c.echo_round(100)
    c.send("A", ack=add(c.rcv_nxt, -50))
    c.silence("no answer to an old (duplicate) ACK")
    c.echo_round(10)


@probe("5961 5.2", "The ACK value is considered acceptable only if it is in the range of ((SND.UNA - MAX.SND.WND) "
       "=< SEG.ACK =< SND.NXT). All incoming segments whose ACK value doesn't satisfy the above condition MUST be "
       "discarded and an ACK sent back. (a pure ACK too old)")
def ack_too_old_challenged(t):
    c = est(t, "echo")
    c.echo_round(100)
    c.send("A", ack=add(c.rcv_nxt, -(8192 + 20000)))
    c.expect("an ACK", lambda s: flags(s) == "A" and ack_of(s) == c.snd_nxt)
    c.echo_round(10)


@probe("5961 5.2", "All incoming segments whose ACK value doesn't satisfy the above condition MUST be discarded and "
       "an ACK sent back (text with an ACK too old is not taken)")
def ack_too_old_text_discarded(t):
    c = est(t, "echo")
    c.echo_round(100)
    c.send("PA", ack=add(c.rcv_nxt, -(8192 + 20000)), data=b"injected")
    c.acked("ACK=RCV.NXT (the text not taken)", c.snd_nxt, timeout=0.5)
    c.silence("no echo of the injected text", 0.3, lambda s: len(payload(s)) > 0)


@probe("9293 3.10.7.4", "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK, drop the "
       "segment, and return.")
def ack_future_acked(t):
    c = est(t, "echo")
    c.echo_round(20)
    c.send("PA", ack=add(c.rcv_nxt, 5000), data=b"future")
    c.acked("ACK=RCV.NXT (the text not taken)", c.snd_nxt, timeout=0.5)
    c.silence("no echo of the text", 0.3, lambda s: len(payload(s)) > 0)


@probe("9293 3.10.7.4", "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then ... drop the segment "
       "(its text is never taken)")
def ack_future_text_not_taken(t):
    c = est(t, "echo")
    c.echo_round(20)
    c.send("PA", ack=add(c.rcv_nxt, 5000), data=b"future")
    c.silence("neither echo nor ACK of the text", 0.4, lambda s: len(payload(s)) > 0 or
              ack_of(s) == add(c.snd_nxt, 6))
    c.echo_round(10)


@probe("9293 3.10.7.4", "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK. Any segments on the "
       "retransmission queue that are thereby entirely acknowledged are removed (a partial ACK: the "
       "retransmission starts there)")
def ack_partial_trims_retransmission(t):
    c = est(t, "echo")
    msg = b"r" * 100
    c.send("PA", data=msg, advance=True)
    first = c.expect("the echo", lambda s: len(payload(s)) > 0, timeout=1.0)
    c.send("A", ack=add(first["TCP"].seq, 40))
    s = c.expect("the retransmission", lambda s: len(payload(s)) > 0, timeout=3.5)
    if s["TCP"].seq != add(first["TCP"].seq, 40):
        raise ProbeFail(f"retransmission starts at {c.describe(s)}, not at the ACK (IRS+41)")
    c.send("A", ack=add(first["TCP"].seq, 100))


# --- Window updates (SND.WND, SND.WL1, SND.WL2) ---

def _zero_window_echo(t):
    """An echo connection whose window we closed; 20 bytes wait in the SUT."""
    c = est(t, "echo")
    c.send("PA", data=b"q" * 20, window=0, advance=True)
    c.acked("the text", c.snd_nxt)
    return c


@probe("9293 3.10.7.4", "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated ... SND.WND <- "
       "SEG.WND (a zero window holds the data back)")
def window_zero_holds_data(t):
    c = _zero_window_echo(t)
    c.silence("no data into a zero window (a 1-octet probe at most)", 0.5, lambda s: len(payload(s)) > 1)


@probe("9293 3.10.7.4", "If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)), set SND.WND <- "
       "SEG.WND (a window update opens the window: the data flows at once)")
def window_update_releases_data(t):
    c = _zero_window_echo(t)
    time.sleep(0.2)
    # The update acknowledges no window probe (a receiver with a zero window drops the probe's octet):
    # the data must come at once, from SND.UNA (issue [4/7] A.4).
    c.rcv_nxt = add(c.irs, 1)
    c.send("A")
    s = c.expect("the echoed data", lambda s: len(payload(s)) > 1, timeout=0.5)
    if s["TCP"].seq != add(c.irs, 1):
        raise ProbeFail(f"data from {c.describe(s)}, not from SND.UNA")


@probe("9293 3.10.7.4", "If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)), set SND.WND <- "
       "SEG.WND (an older segment, SEG.SEQ < SND.WL1, does not update the window)")
def window_older_segment_no_update(t):
    c = est(t, "echo")
    # The second half first (out of order, window 0: SND.WL1 <- its SEG.SEQ), then the first half with a
    # window of 8192: SEG.SEQ < SND.WL1, so the window stays shut and nothing is echoed.
    c.send("PA", seq=add(c.snd_nxt, 10), data=b"2" * 10, window=0)
    c.acked("a duplicate ACK for the hole", c.snd_nxt, timeout=0.4)
    c.send("PA", data=b"1" * 10, advance=True)
    c.snd_nxt = add(c.snd_nxt, 10)
    c.acked("the whole text", c.snd_nxt)
    c.silence("no echo: the window is still zero", 0.4, lambda s: len(payload(s)) > 1)
    c.send("A")
    c.expect("the echo once the window opens", lambda s: len(payload(s)) > 0, timeout=0.5)


# --- Sixth: URG; seventh: text ---

@probe("9293 3.10.7.4", "sixth, check the URG bit: If the URG bit is set, RCV.UP <- max(RCV.UP,SEG.UP) (the "
       "segment's text is still taken)")
def urg_text_taken(t):
    c = est(t)
    c.send("PAU", data=b"u" * 10, urg=10, advance=True)
    c.acked("the urgent text", c.snd_nxt)


@probe("9293 3.10.7.4", "RCV.UP <- max(RCV.UP,SEG.UP) (an urgent pointer beyond the segment's text: the text is "
       "taken)")
def urg_pointer_beyond_text(t):
    c = est(t)
    c.send("PAU", data=b"u" * 10, urg=1000, advance=True)
    c.acked("the text", c.snd_nxt)
    c.still_alive()


@probe("9293 3.10.7.4", "seventh, process the segment text: ... deliver segment data to user RECEIVE buffers "
       "(the echo service returns the text)")
def text_delivered_to_user(t):
    c = est(t, "echo")
    c.echo_round(500)


@probe("9293 3.8.6.3", "an ACK SHOULD be generated for at least every second full-sized segment (SHLD-19)")
def text_two_full_segments_acked(t):
    c = est(t)
    mss = OUR_MSS
    c.send_many([c.seg("A", seq=add(c.snd_nxt, i * mss), data=b"f" * mss) for i in range(2)])
    c.snd_nxt = add(c.snd_nxt, 2 * mss)
    c.acked("an ACK of both segments", c.snd_nxt, timeout=0.3)


@probe("9293 3.8.6.1", "A TCP implementation MUST include [zero-window probing]: the sending TCP peer must regularly "
       "transmit at least one octet of new data (if available), or retransmit to the receiving TCP peer even if the "
       "send window is zero (MUST-36)")
def window_zero_probed(t):
    c = _zero_window_echo(t)
    # Linux probes with an old empty ACK (SEG.SEQ = SND.UNA - 1), wirestack with one octet at SND.UNA.
    c.expect("a window probe", lambda s: flags(s) != "R" and (len(payload(s)) == 1 or
             (len(payload(s)) == 0 and s["TCP"].seq == add(c.irs, 0))), timeout=2.0)


@probe("9293 3.7.1", "TCP endpoints MUST ... SND.MSS ... the MSS option in the SYN (MUST-14/16: the SUT never sends "
       "a segment with more text than the MSS we offered, 536)")
def mss_of_the_peer_respected(t):
    c = t.conn("echo")
    c.send("S", options=[("MSS", 536)], advance=True)
    c.expect("a SYN-ACK", lambda s: has(s, "SA"), timeout=2)
    c.send("A")
    c.send("PA", data=b"m" * 1400, advance=True)
    got, deadline = 0, time.monotonic() + 2 * SCALE
    while got < 1400 and time.monotonic() < deadline:
        s = c.wait(lambda s: len(payload(s)) > 0, 0.5)
        if s is None:
            break
        if len(payload(s)) > 536:
            raise ProbeFail(f"a segment of {len(payload(s))} octets for an MSS of 536: {c.describe(s)}")
        got += len(payload(s))
        c.send("A")
    if got < 1400:
        raise ProbeFail(f"{got} of 1400 octets echoed")


# --- The acceptability table with RCV.WND = 0 (the SUT's buffer full) ---

def _zero_window(t):
    """A connection whose SUT announces a zero window: its application does
    not read (Linux: the stall service; wirestack: the echo service with our
    window shut, so it cannot echo, so it stops reading)."""
    c = t.conn("stall")
    c.handshake(window=0)
    c.fill_window()
    return c


def _pure_ack(s):
    """an ACK without text (wirestack's zero-window probes to us carry one octet)"""
    return flags(s) == "A" and len(payload(s)) == 0


@probe("9293 3.10.7.4", "length 0, window 0: SEG.SEQ = RCV.NXT (acceptable: an ACK at RCV.NXT needs no answer)")
def zero_window_empty_at_rcv_nxt_accepted(t):
    c = _zero_window(t)
    c.send("A", window=0)
    c.silence("no answer to an acceptable ACK", 0.4, _pure_ack)


@probe("9293 3.10.7.4", "length 0, window 0: SEG.SEQ = RCV.NXT; otherwise not acceptable: an acknowledgment "
       "should be sent in reply")
def zero_window_empty_past_rcv_nxt_acked(t):
    c = _zero_window(t)
    c.send("A", seq=add(c.snd_nxt, 1), window=0)
    s = c.expect("ACK <SEQ=SND.NXT><ACK=RCV.NXT> with a zero window", _pure_ack)
    if ack_of(s) != c.snd_nxt or s["TCP"].window != 0:
        raise ProbeFail(f"got {c.describe(s)}")


@probe("9293 3.10.7.4", "length >0, window 0: not acceptable (an ACK of RCV.NXT in reply, the text not taken; "
       "MUST-66: its ACK is still processed)")
def zero_window_text_not_acceptable(t):
    c = _zero_window(t)
    c.send("PA", data=b"no room", window=0)
    s = c.expect("ACK <ACK=RCV.NXT> with a zero window", _pure_ack)
    if ack_of(s) != c.snd_nxt or s["TCP"].window != 0:
        raise ProbeFail(f"the text in a zero window got {c.describe(s)}")


@probe("9293 3.10.7.4", "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be "
       "made to accept valid ACKs, URGs, and RSTs (MUST-66: a RST at RCV.NXT resets)")
def zero_window_rst_at_rcv_nxt_resets(t):
    c = _zero_window(t)
    c.send("R")
    c.silence("no answer to the RST", 0.3, lambda s: len(payload(s)) == 0)
    c.reset_check("after the RST")
