// The chat template supervised fine-tuning uses when the tokenizer has none: one "Role: content" line per message,
// the assistant's content followed by eos_token, and "Assistant:" as the generation prompt. The tokenizer node writes
// it into the output tokenizer_config.json, so a fine-tuned model is served with the format it was trained on.

/**
 * `{{ message.content }}` follows "Role: " so the reply starts with a space, as the endpoint's prompt ("Assistant:")
 * leaves it. The eos after each assistant turn teaches the model to stop.
 */
export const DEFAULT_SFT_CHAT_TEMPLATE =
  "{% for message in messages %}{{ message.role | capitalize }}: {{ message.content }}{% if message.role == 'assistant' %}{{ eos_token }}{% endif %}{{ '\\n' }}{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}";
