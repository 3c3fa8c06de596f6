from django.apps import AppConfig


class HandoutConfig(AppConfig):
    name = "linli.handout"
    label = "handout"
    verbose_name = "Fair hand-out (预约领取)"

    def ready(self) -> None:
        from linli.handout.downloads import register_maker

        register_maker()  # the round's list, made in the background (linli.downloads)
        from linli.handout.moves import on_households_moved
        from linli.people.moves import households_moved

        # a household that moves takes its reservation along, or gives it back (handout.moves)
        households_moved.connect(on_households_moved, dispatch_uid="linli_handout_moves")
