#!/usr/bin/env python3
"""The model's distribution over the answer letters, computed directly with llama.cpp.

Usage: letter_probabilities.py --model FILE.gguf < prompts.jsonl > probabilities.jsonl

Each input line is {"id": ..., "prompt": ...}: the text of one user turn. For each, the prompt
is put in the model's own chat template (from the GGUF file) with the assistant's turn opened,
the model reads it, and the logits of the next token are taken straight from llama.cpp. The
output line is {"id": ..., "probabilities": [pA, pB, pC, pD], "logits": [...]}: the softmax of
the four letter tokens' logits. No server, sampler, grammar or top-k list is involved; this is
the reference that `oversight baseline --convention likelihood` is checked against.

By default each prompt is read from an empty context in one pass. llama.cpp's numbers for the
last position depend slightly on how the prompt was split into batches (a few hundredths of
probability for some quantised models), and a server keeps the part a prompt shares with the
one before it. `--reuse-prefix` reads the prompts in order the same way: it keeps the common
prefix of consecutive prompts and reads only the rest.
"""
import argparse
import json
import math
import sys

import jinja2
import jinja2.sandbox
import llama_cpp
from llama_cpp import Llama

LETTERS = "ABCD"


def letter_tokens(llm):
    """The token id of each letter on its own ("A" ... "D")."""
    ids = []
    for letter in LETTERS:
        toks = llm.tokenize(letter.encode("utf-8"), add_bos=False, special=False)
        if len(toks) != 1 or llm.detokenize(toks).decode("utf-8") != letter:
            sys.exit("error: %r is not a single token for this model" % letter)
        ids.append(toks[0])
    return ids


def chat_prompt(llm, user_turn):
    """The user turn in the model's chat template, ending where the assistant's reply starts."""
    template = llm.metadata.get("tokenizer.chat_template")
    if not template:
        sys.exit("error: the model file has no chat template")
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message):
        raise ValueError(message)

    def text_of(token):
        return llm.detokenize([token], special=True).decode("utf-8") if token >= 0 else ""

    return env.from_string(template).render(
        messages=[{"role": "user", "content": user_turn}],
        add_generation_prompt=True,
        bos_token=text_of(llm.token_bos()),
        eos_token=text_of(llm.token_eos()),
        raise_exception=raise_exception,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="GGUF model file")
    ap.add_argument("--n-ctx", type=int, default=4096)
    ap.add_argument("--reuse-prefix", action="store_true",
                    help="keep the prefix shared with the previous prompt, as a server does")
    args = ap.parse_args()

    llm = Llama(model_path=args.model, n_ctx=args.n_ctx, logits_all=False, verbose=False)
    ids = letter_tokens(llm)
    n_vocab = llm.n_vocab()
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            prompt = item["prompt"]
        except (ValueError, KeyError, TypeError):
            sys.exit("error: stdin line %d: expected {\"id\": ..., \"prompt\": ...}" % n)
        # The template marks its own special tokens (no extra BOS), as a chat server does.
        tokens = llm.tokenize(chat_prompt(llm, prompt).encode("utf-8"), add_bos=False, special=True)
        if len(tokens) >= args.n_ctx:
            sys.exit("error: stdin line %d: %d tokens do not fit --n-ctx %d" % (n, len(tokens), args.n_ctx))
        keep = 0
        if args.reuse_prefix:
            previous = list(llm.eval_tokens)
            while keep < min(len(previous), len(tokens)) and previous[keep] == tokens[keep]:
                keep += 1
            # The last token is always read again, so its logits are fresh.
            keep = min(keep, len(tokens) - 1)
        llm.n_tokens = keep
        llm.eval(tokens[keep:])
        row = llama_cpp.llama_get_logits_ith(llm.ctx, -1)
        logits = [float(row[i]) for i in ids]
        top = max(logits)
        mass = [math.exp(x - top) for x in logits]
        total = sum(mass)
        print(json.dumps({"id": item.get("id"), "probabilities": [m / total for m in mass], "logits": logits,
                          "tokens": len(tokens), "vocabulary": n_vocab}), flush=True)


if __name__ == "__main__":
    main()
