"""Models as the service uses them: training from files, the one retraining workflow, the model a process
serves."""
