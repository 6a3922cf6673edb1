"""The pages a person without an account opens from a link: a share's and a request's."""
