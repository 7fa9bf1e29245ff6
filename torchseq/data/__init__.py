"""Data preparation: datasets and sequence utilities."""
from .baselines import naive_last_value, naive_repeat, naive_windows
from .digits import sequential_digits
from .download import cache_dir
from .imdb import load_imdb
from .jena import load_jena
from .mu_law import mu_law_decode, mu_law_encode
from .prices import load_prices
from .samples import jena_sample, price_sample, review_sample
from .scalers import MinMaxScaler, StandardScaler
from .synthetic import generate_time_series, load_synthetic
from .tasks import adding_problem, recall_task
from .text import Tokenizer, lengths_of, load_glove, pad_sequences, padding_mask, text_to_words
from .windows import WindowDataset, make_sequences, window_batches, window_view

__all__ = ["generate_time_series", "load_synthetic", "load_jena", "load_imdb", "load_prices", "cache_dir",
           "WindowDataset", "window_batches", "window_view", "make_sequences", "StandardScaler", "MinMaxScaler",
           "naive_last_value", "naive_repeat", "naive_windows", "Tokenizer", "text_to_words", "pad_sequences", "padding_mask",
           "lengths_of", "load_glove", "mu_law_encode", "mu_law_decode", "jena_sample", "review_sample", "price_sample",
           "adding_problem", "recall_task", "sequential_digits"]
