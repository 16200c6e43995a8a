"""The quiz bank: questions as data in quizzes/, every answer decided by code that calls gru_ref."""
